/**
 * The one export of `@azure/identity` the provider uses, for the type checker only (tsconfig
 * `paths` maps the package here): its own declarations, with MSAL's, are some 200 files that
 * every type check would load for one constructor. The runtime imports the real package.
 */

/** The token `getToken` gives, as `@azure/core-auth` declares it. */
interface AccessToken {
  readonly token: string;
  readonly expiresOnTimestamp: number;
}

/** The default credential chain: environment, workload and managed identity, developer tools. */
export declare class DefaultAzureCredential {
  getToken(scopes: string | string[], options?: object): Promise<AccessToken | null>;
}
