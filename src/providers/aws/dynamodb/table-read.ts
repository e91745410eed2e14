import {
  type DynamoDBClient,
  IndexStatus,
  ListTagsOfResourceCommand,
  TableStatus,
  paginateListTables,
  type TableDescription,
} from "@aws-sdk/client-dynamodb";
import type { State } from "../../../core/state.js";
import { tagMapOf } from "../tags.js";

/** The names of every table in the client's region, page by page. */
export async function listTableNames(
  client: DynamoDBClient,
  abortSignal: AbortSignal,
): Promise<Set<string>> {
  const names = new Set<string>();
  for await (const page of paginateListTables({ client }, { Limit: 100 }, { abortSignal }))
    for (const name of page.TableNames ?? []) names.add(name);
  return names;
}

/** Every tag of the table `arn` names, page by page. */
export async function listTableTags(
  client: DynamoDBClient,
  arn: string,
  abortSignal: AbortSignal,
): Promise<Record<string, string>> {
  const read: Record<string, string> = {};
  let token: string | undefined;
  do {
    const page = await client.send(
      new ListTagsOfResourceCommand({ ResourceArn: arn, NextToken: token }),
      { abortSignal },
    );
    Object.assign(read, tagMapOf(page.Tags ?? []));
    token = page.NextToken;
  } while (token !== undefined && token !== "");
  return read;
}

/** Whether the table and all its global indexes are ACTIVE. */
export function isTableActive(table: TableDescription): boolean {
  return (
    table.TableStatus === TableStatus.ACTIVE &&
    (table.GlobalSecondaryIndexes ?? []).every(
      (index) => index.IndexStatus === undefined || index.IndexStatus === IndexStatus.ACTIVE,
    )
  );
}

/** The particle state for a TableStatus; statuses that leave the table in place but unusable read running. */
export function stateFromStatus(status: TableStatus | undefined): State {
  switch (status) {
    case undefined:
      return "terminated";
    case TableStatus.CREATING:
    case TableStatus.UPDATING:
    case TableStatus.DELETING:
    case TableStatus.ARCHIVING:
      return "pending";
    default:
      return "running";
  }
}
