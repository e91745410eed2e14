import {
  CreateRepositoryCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  PutImageTagMutabilityCommand,
} from "@aws-sdk/client-ecr";
import { EcrRepository } from "../../../src/providers/aws/ecr/repository.js";
import { uniqueName, verificationClient } from "../../support/aws.js";
import { definitionOf } from "../../support/aws-fixtures.js";
import type { ConformanceSpec } from "../spec.js";

const ecr = verificationClient(ECRClient, import.meta.url);

/** ECR names are lower case. */
function name(label: string): string {
  return uniqueName(import.meta.url, label).toLowerCase();
}

function repository(
  label: string,
  block: Record<string, unknown> = {},
): ReturnType<typeof definitionOf> {
  return definitionOf(
    "ecr_repository",
    label,
    { repositoryName: name(label), imageTagMutability: "MUTABLE" },
    block,
  );
}

/** ecr_repository: tag mutability updates in place; the encryption is fixed; no stopped form. */
export const ecrRepositorySpec: ConformanceSpec = {
  flavor: EcrRepository,
  testFileUrl: import.meta.url,
  definition: (label) => repository(label),
  verify: async (label) => {
    const { repositories = [] } = await ecr.send(new DescribeRepositoriesCommand({}));
    const found = repositories.find((candidate) => candidate.repositoryName === name(label));
    return found === undefined
      ? undefined
      : {
          imageTagMutability: found.imageTagMutability,
          encryptionType: found.encryptionConfiguration?.encryptionType,
        };
  },
  drift: {
    apply: async (label) => {
      await ecr.send(
        new PutImageTagMutabilityCommand({
          repositoryName: name(label),
          imageTagMutability: "IMMUTABLE",
        }),
      );
    },
    field: "imageTagMutability",
  },
  update: {
    definition: (label) => repository(label, { imageTagMutability: "IMMUTABLE" }),
    expected: { imageTagMutability: "IMMUTABLE" },
  },
  replace: {
    definition: (label) =>
      repository(label, {
        imageTagMutability: "IMMUTABLE",
        encryptionConfiguration: { encryptionType: "KMS" },
      }),
    expected: { encryptionType: "KMS" },
    field: "encryptionConfiguration.encryptionType",
  },
  stop: "none",
  createForeign: async (label) => {
    await ecr.send(
      new CreateRepositoryCommand({ repositoryName: name(label), imageTagMutability: "MUTABLE" }),
    );
  },
  createOperation: "CreateRepository",
};
