import {
  CreateDBInstanceCommand,
  DescribeDBInstancesCommand,
  ModifyDBInstanceCommand,
  RDSClient,
} from "@aws-sdk/client-rds";
import { RdsInstance } from "../../../src/providers/aws/rds/db-instance.js";
import { uniqueName, verificationClient } from "../../support/aws.js";
import { definitionOf } from "../../support/aws-fixtures.js";
import type { ConformanceSpec } from "../spec.js";

const rds = verificationClient(RDSClient, import.meta.url);

/** RDS identifiers are lower case (RDS lower-cases them). */
function identifier(label: string): string {
  return uniqueName(import.meta.url, label).toLowerCase();
}

const SETTINGS = {
  Engine: "postgres",
  DBInstanceClass: "db.t3.micro",
  AllocatedStorage: 20,
  MasterUsername: "pcfadmin",
  MasterUserPassword: "conformance-password",
  BackupRetentionPeriod: 1,
};

function instance(
  label: string,
  block: Record<string, unknown> = {},
): ReturnType<typeof definitionOf> {
  return definitionOf(
    "rds_instance",
    label,
    { DBInstanceIdentifier: identifier(label), ...SETTINGS },
    block,
  );
}

/** rds_instance: the class updates in place; the master user is fixed; a real stopped form. */
export const rdsInstanceSpec: ConformanceSpec = {
  flavor: RdsInstance,
  testFileUrl: import.meta.url,
  definition: (label) => instance(label),
  verify: async (label) => {
    const { DBInstances = [] } = await rds.send(new DescribeDBInstancesCommand({}));
    const found = DBInstances.find(
      (candidate) => candidate.DBInstanceIdentifier === identifier(label),
    );
    return found === undefined
      ? undefined
      : {
          status: found.DBInstanceStatus,
          DBInstanceClass: found.DBInstanceClass,
          BackupRetentionPeriod: found.BackupRetentionPeriod,
          MasterUsername: found.MasterUsername,
        };
  },
  drift: {
    apply: async (label) => {
      await rds.send(
        new ModifyDBInstanceCommand({
          DBInstanceIdentifier: identifier(label),
          BackupRetentionPeriod: 7,
          ApplyImmediately: true,
        }),
      );
    },
    field: "BackupRetentionPeriod",
  },
  update: {
    definition: (label) => instance(label, { DBInstanceClass: "db.t3.small" }),
    expected: { DBInstanceClass: "db.t3.small" },
  },
  replace: {
    definition: (label) =>
      instance(label, { DBInstanceClass: "db.t3.small", MasterUsername: "pcfowner" }),
    expected: { MasterUsername: "pcfowner" },
    field: "MasterUsername",
  },
  stop: { stopped: { status: "stopped" }, running: { status: "available" } },
  createForeign: async (label) => {
    await rds.send(
      new CreateDBInstanceCommand({ DBInstanceIdentifier: identifier(label), ...SETTINGS }),
    );
  },
  createOperation: "CreateDBInstance",
};
