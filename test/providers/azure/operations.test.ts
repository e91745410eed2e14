import { describe, expect, it } from "vitest";
import { accountOfConnectionString } from "../../../src/providers/azure/clients.js";
import { blobOperationOfRequest } from "../../../src/providers/azure/operations.js";

const account = "http://127.0.0.1:10000/devstoreaccount1";

describe("blobOperationOfRequest", () => {
  it.each([
    ["PUT", "/logs?restype=container", "CreateContainer"],
    ["DELETE", "/logs?restype=container", "DeleteContainer"],
    ["GET", "/logs?restype=container", "GetContainerProperties"],
    ["PUT", "/logs?restype=container&comp=metadata", "SetContainerMetadata"],
    ["PUT", "/logs?comp=acl&restype=container", "SetContainerAcl"],
    ["GET", "/logs?restype=container&comp=acl", "GetContainerAcl"],
    ["GET", "/?comp=list&prefix=pcf-&include=metadata", "ListContainers"],
    ["PUT", "/logs/a.txt", "PUT /devstoreaccount1/logs/a.txt"],
  ])("names %s %s %s", (method, path, operation) => {
    expect(blobOperationOfRequest(method, new URL(`${account}${path}`))).toBe(operation);
  });
});

describe("accountOfConnectionString", () => {
  it.each([
    ["DefaultEndpointsProtocol=https;AccountName=acmelogs;AccountKey=a2V5;", "acmelogs"],
    ["AccountKey=a2V5; AccountName = acmelogs ;EndpointSuffix=core.windows.net", "acmelogs"],
    ["UseDevelopmentStorage=true", "devstoreaccount1"],
    ["BlobEndpoint=https://acmelogs.blob.core.windows.net/;SharedAccessSignature=sv=1", undefined],
  ])("reads %s", (connectionString, expected) => {
    expect(accountOfConnectionString(connectionString)).toBe(expected);
  });
});
