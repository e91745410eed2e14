/**
 * The AWS provider's default request limits. A module of its own, with no imports, because the
 * `pcf` help states them and must not load zod or the SDK to do so.
 */

/**
 * Default of `requestTimeoutMs`: 30 s. AWS control-plane calls answer in well under a second, and
 * a slow `DescribeInstances` over many instances in a few; 30 s is far beyond either, yet three
 * attempts of it (the SDK's default retries) give up on a dead endpoint in about a minute and a half.
 */
export const DEFAULT_AWS_REQUEST_TIMEOUT_MS = 30_000;

/**
 * Default of `connectionTimeoutMs`: 5 s. A TCP (and TLS) connection to an AWS endpoint takes tens
 * of milliseconds; one that has not connected in 5 s is not going to, and a retry may reach
 * another address.
 */
export const DEFAULT_AWS_CONNECTION_TIMEOUT_MS = 5_000;
