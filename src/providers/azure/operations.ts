/**
 * Blob Storage REST operations named as the service's reference names them (`CreateContainer`),
 * from a request's method and URL: errors are classified per operation with these names, and
 * tests name the requests they fault the same way. Imports nothing, so tests can use it too.
 */

/** The operations on one container (`?restype=container`), by method and `comp`. */
const CONTAINER_OPERATIONS: Readonly<Record<string, string>> = {
  "PUT ": "CreateContainer",
  "DELETE ": "DeleteContainer",
  "GET ": "GetContainerProperties",
  "HEAD ": "GetContainerProperties",
  "PUT metadata": "SetContainerMetadata",
  "GET metadata": "GetContainerMetadata",
  "HEAD metadata": "GetContainerMetadata",
  "PUT acl": "SetContainerAcl",
  "GET acl": "GetContainerAcl",
  "HEAD acl": "GetContainerAcl",
  "GET list": "ListBlobs",
  "PUT lease": "LeaseContainer",
  "PUT undelete": "RestoreContainer",
};

/**
 * The Blob operation of a request: `CreateContainer` for `PUT /account/name?restype=container`,
 * `ListContainers` for `GET /account/?comp=list`; otherwise the method and path.
 */
export function blobOperationOfRequest(method: string, url: URL): string {
  const verb = method.toUpperCase();
  const restype = url.searchParams.get("restype");
  const comp = url.searchParams.get("comp") ?? "";
  if (restype === "container") {
    const operation = CONTAINER_OPERATIONS[`${verb} ${comp}`];
    if (operation !== undefined) return operation;
  }
  if (restype === null && comp === "list" && verb === "GET") return "ListContainers";
  return `${verb} ${url.pathname}`;
}
