/**
 * The Compute Engine resources as the provider reads them: the fields it uses of
 * `google.cloud.compute.v1.IInstance` and `IOperation` (the SDK's answers carry more), written
 * here so that neither the public types nor tsc need the SDK's protos (see `sdk-types.d.ts`).
 */

/** `google.cloud.compute.v1.IInstance`, the fields the provider reads. */
export interface IInstance {
  name?: string | null;
  description?: string | null;
  /** `RUNNING`, `DONE`…: a string over REST (the SDK also types it as its enum's number). */
  status?: string | number | null;
  machineType?: string | null;
  labels?: Record<string, string> | null;
  labelFingerprint?: string | null;
  selfLink?: string | null;
}

/** `google.cloud.compute.v1.IOperation`, the fields the provider reads. */
export interface IOperation {
  name?: string | null;
  /** `RUNNING`, `DONE`…: a string over REST (the SDK also types it as its enum's number). */
  status?: string | number | null;
  operationType?: string | null;
  targetLink?: string | null;
  error?: {
    errors?: { code?: string | null; message?: string | null }[] | null;
  } | null;
  httpErrorStatusCode?: number | null;
  httpErrorMessage?: string | null;
}

/** What a mutating call resolves to first: the operation, as its answer carried it. */
export interface ExtendedOperation {
  latestResponse: IOperation;
}
