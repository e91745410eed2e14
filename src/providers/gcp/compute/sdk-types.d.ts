/**
 * The part of `@google-cloud/compute`'s types the GCP provider uses, written by hand: tsconfig
 * `paths` maps the module's types here, because its own (400 000 lines of protos) cost tsc and
 * typed ESLint about 11 s and 600 MB (TOOLCHAIN.md §6.6). Runtime code loads the real package;
 * these declarations follow its v6 `InstancesClient` and `ZoneOperationsClient` signatures.
 */

import type { ExtendedOperation, IInstance, IOperation } from "./types.js";

export type { ExtendedOperation, IInstance, IOperation };

/** The client options the provider passes (see `ClientOptions` of google-gax). */
export interface ComputeClientOptions {
  apiEndpoint?: string;
  port?: number;
  protocol?: "http" | "https";
  fallback?: boolean | "rest";
  projectId?: string;
  authClient?: unknown;
}

/** Per-call options (google-gax `CallOptions`). */
export interface CallOptions {
  maxRetries?: number;
  autoPaginate?: boolean;
  timeout?: number;
}

interface InstanceRequest {
  project: string;
  zone: string;
  instance: string;
}

/** The GoogleAuth of a client: `getClient` resolves Application Default Credentials. */
export interface ClientAuth {
  getClient(): Promise<unknown>;
}

export declare class InstancesClient {
  constructor(options?: ComputeClientOptions);
  auth: ClientAuth;
  get(request: InstanceRequest, options?: CallOptions): Promise<[IInstance, unknown, unknown]>;
  list(
    request: {
      project: string;
      zone: string;
      filter?: string;
      maxResults?: number;
    },
    options?: CallOptions,
  ): Promise<[IInstance[], unknown, unknown]>;
  insert(
    request: { project: string; zone: string; instanceResource: Record<string, unknown> },
    options?: CallOptions,
  ): Promise<[ExtendedOperation, unknown, unknown]>;
  delete(
    request: InstanceRequest,
    options?: CallOptions,
  ): Promise<[ExtendedOperation, unknown, unknown]>;
  start(
    request: InstanceRequest,
    options?: CallOptions,
  ): Promise<[ExtendedOperation, unknown, unknown]>;
  resume(
    request: InstanceRequest,
    options?: CallOptions,
  ): Promise<[ExtendedOperation, unknown, unknown]>;
  suspend(
    request: InstanceRequest,
    options?: CallOptions,
  ): Promise<[ExtendedOperation, unknown, unknown]>;
  stop(
    request: InstanceRequest,
    options?: CallOptions,
  ): Promise<[ExtendedOperation, unknown, unknown]>;
  setLabels(
    request: InstanceRequest & {
      instancesSetLabelsRequestResource: {
        labels: Record<string, string>;
        labelFingerprint: string;
      };
    },
    options?: CallOptions,
  ): Promise<[ExtendedOperation, unknown, unknown]>;
  setMachineType(
    request: InstanceRequest & { instancesSetMachineTypeRequestResource: { machineType: string } },
    options?: CallOptions,
  ): Promise<[ExtendedOperation, unknown, unknown]>;
  close(): Promise<void>;
}

export declare class ZoneOperationsClient {
  constructor(options?: ComputeClientOptions);
  auth: ClientAuth;
  get(
    request: { project: string; zone: string; operation: string },
    options?: CallOptions,
  ): Promise<[IOperation, unknown, unknown]>;
  wait(
    request: { project: string; zone: string; operation: string },
    options?: CallOptions,
  ): Promise<[IOperation, unknown, unknown]>;
  close(): Promise<void>;
}
