import {
  AttachRolePolicyCommand,
  AttachUserPolicyCommand,
  CreatePolicyCommand,
  CreatePolicyVersionCommand,
  CreateRoleCommand,
  CreateUserCommand,
  DeletePolicyCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  IAMClient,
  ListAttachedRolePoliciesCommand,
  ListPolicyVersionsCommand,
  type Policy,
} from "@aws-sdk/client-iam";
import { describe, expect, it } from "vitest";
import { Field, applyField, loadField, planField } from "../../../src/index.js";
import { IamPolicy, type IamPolicyDefinition } from "../../../src/providers/aws/iam/policy.js";
import {
  awsTestOptions,
  motoAccountId,
  uniqueName,
  verificationClient,
} from "../../support/aws.js";
import {
  OWNERSHIP,
  countReapply,
  definitionErrorOf,
  definitionOf,
  expectAdoptionRequired,
  expectStopDeletes,
  expectTerminatesWhenGone,
  failureOf,
  tagMap,
} from "../../support/aws-fixtures.js";

const iam = verificationClient(IAMClient, import.meta.url);
const providerOptions = awsTestOptions(import.meta.url);

/** A document allowing `actions` on everything. */
function allow(...actions: string[]): Record<string, unknown> {
  return {
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Action: actions, Resource: "*" }],
  };
}

function policy(label: string, block: Partial<IamPolicyDefinition> = {}): IamPolicy {
  const base = {
    PolicyName: uniqueName(import.meta.url, label),
    PolicyDocument: allow("s3:GetObject"),
  };
  return new IamPolicy(definitionOf("iam_policy", label, base, block));
}

function arnOf(label: string, path = "/"): string {
  return `arn:aws:iam::${motoAccountId(import.meta.url)}:policy${path}${uniqueName(import.meta.url, label)}`;
}

async function find(label: string): Promise<Policy | undefined> {
  try {
    return (await iam.send(new GetPolicyCommand({ PolicyArn: arnOf(label) }))).Policy;
  } catch {
    return undefined;
  }
}

/** The policy's default document, parsed (IAM returns it URL-encoded; moto does not). */
async function documentOf(label: string, path = "/"): Promise<unknown> {
  const { Policy } = await iam.send(new GetPolicyCommand({ PolicyArn: arnOf(label, path) }));
  const { PolicyVersion } = await iam.send(
    new GetPolicyVersionCommand({
      PolicyArn: arnOf(label, path),
      VersionId: Policy?.DefaultVersionId,
    }),
  );
  const text = PolicyVersion?.Document ?? "";
  return JSON.parse(text.startsWith("%") ? decodeURIComponent(text) : text);
}

async function versionsOf(label: string): Promise<string[]> {
  const { Versions = [] } = await iam.send(
    new ListPolicyVersionsCommand({ PolicyArn: arnOf(label) }),
  );
  return Versions.map((version) => `${version.VersionId}${version.IsDefaultVersion ? "*" : ""}`);
}

describe("iam_policy", () => {
  it("creates the policy with its document, its tags and the ownership tag", async () => {
    const result = await policy("create", {
      PolicyDocument: allow("s3:GetObject", "s3:ListBucket"),
      Description: "reads objects",
      Tags: { team: "data", version: 2 },
    }).apply({ providerOptions });
    expect(result.particles[0]).toMatchObject({
      outcome: "converged",
      transitions: ["start"],
      state: "running",
    });
    const created = await find("create");
    expect(created).toMatchObject({ Path: "/", Description: "reads objects" });
    expect(tagMap(created?.Tags)).toEqual({ team: "data", version: "2", ...OWNERSHIP });
    expect(await documentOf("create")).toEqual(allow("s3:GetObject", "s3:ListBucket"));
  });

  it("compares documents as JSON: text, objects and key order alike", async () => {
    await policy("noop", { Tags: [{ Key: "team", Value: "data" }] }).apply({ providerOptions });
    const [statement] = allow("s3:GetObject")["Statement"] as object[];
    const reordered = JSON.stringify({ Statement: [statement], Version: "2012-10-17" }, null, 4);
    const again = await policy("noop", {
      PolicyDocument: reordered,
      Tags: { team: "data" },
    }).apply({ providerOptions });
    expect(again.particles[0]).toMatchObject({ outcome: "unchanged", transitions: [] });
  });

  it("makes a changed document the new default version and updates tags", async () => {
    await policy("update", { Tags: { team: "data", old: "x" } }).apply({ providerOptions });
    const result = await policy("update", {
      PolicyDocument: JSON.stringify(allow("s3:PutObject")),
      Tags: { team: "ml" },
    }).apply({ providerOptions });
    expect(result.particles[0]).toMatchObject({ outcome: "converged", transitions: ["update"] });
    expect(await documentOf("update")).toEqual(allow("s3:PutObject"));
    expect(await versionsOf("update")).toEqual(["v1", "v2*"]);
    expect(tagMap((await find("update"))?.Tags)).toEqual({ team: "ml", ...OWNERSHIP });
  });

  it("deletes the oldest other version when the policy has IAM's five", async () => {
    const particle = policy("versions");
    await particle.apply({ providerOptions });
    const actions = ["s3:PutObject", "s3:DeleteObject", "s3:ListBucket", "sqs:SendMessage"];
    for (const action of [...actions, "sqs:ReceiveMessage", "sqs:DeleteMessage"]) {
      particle.setDesiredStateDefinition({
        ...particle.templateDefinition,
        PolicyDocument: allow(action),
      });
      const result = await particle.apply({ providerOptions });
      expect(result.particles[0]?.transitions).toEqual(["update"]);
    }
    expect(await versionsOf("versions")).toEqual(["v3", "v4", "v5", "v6", "v7*"]);
    expect(await documentOf("versions")).toEqual(allow("sqs:DeleteMessage"));
  });

  it("corrects a default version changed behind its back", async () => {
    const particle = policy("drift");
    await particle.apply({ providerOptions });
    await iam.send(
      new CreatePolicyVersionCommand({
        PolicyArn: arnOf("drift"),
        PolicyDocument: JSON.stringify(allow("*")),
        SetAsDefault: true,
      }),
    );
    const result = await particle.apply({ providerOptions });
    expect(result.particles[0]?.transitions).toEqual(["update"]);
    expect(await documentOf("drift")).toEqual(allow("s3:GetObject"));
  });

  it("creates the policy in its Path and finds it there", async () => {
    await policy("pathed", { Path: "/team/" }).apply({ providerOptions });
    expect(await documentOf("pathed", "/team/")).toEqual(allow("s3:GetObject"));
    const again = await policy("pathed", { Path: "/team/" }).apply({ providerOptions });
    expect(again.particles[0]?.outcome).toBe("unchanged");
  });

  it("refuses to change the Description unless allowed, naming the way out", async () => {
    await policy("fixed", { Description: "first" }).apply({ providerOptions });
    const error = await failureOf(
      policy("fixed", { Description: "second" }).apply({ providerOptions }),
    );
    expect(error.message).toMatch(/aws_resource\.Description first → second can only change/);
    expect(error.result.particles[0]?.error?.code).toBe("REPLACE_REFUSED");
    expect((await find("fixed"))?.Description).toBe("first");
  });

  it("plans a new Path as a replacement, never as an update, and apply does what plan said", async () => {
    await policy("path").apply({ providerOptions });
    const moved = (): IamPolicy => policy("path", { Path: "/moved/" });
    const refused = await planField(new Field([moved()]), { providerOptions });
    expect(refused.particles[0]).toMatchObject({
      transitions: [],
      replacedBy: ["Path"],
      refusal: { code: "REPLACE_REFUSED", where: { field: "aws_resource.Path" } },
    });
    const allowReplace = [moved().name];
    const plan = await planField(new Field([moved()]), { providerOptions, allowReplace });
    expect(plan.particles[0]?.transitions).toEqual(["terminate", "start"]);
    const result = await moved().apply({ providerOptions, allowReplace });
    expect(result.particles[0]?.transitions).toEqual(plan.particles[0]?.transitions);
    expect(await find("path")).toBeUndefined();
    const { Policy } = await iam.send(
      new GetPolicyCommand({ PolicyArn: arnOf("path", "/moved/") }),
    );
    expect(Policy?.Path).toBe("/moved/");
  });

  it("detaches the policy everywhere and deletes its versions when terminated", async () => {
    const particle = policy("terminate");
    await particle.apply({ providerOptions });
    await iam.send(
      new CreatePolicyVersionCommand({
        PolicyArn: arnOf("terminate"),
        PolicyDocument: JSON.stringify(allow("s3:*")),
      }),
    );
    const roleName = uniqueName(import.meta.url, "terminate-role");
    const userName = uniqueName(import.meta.url, "terminate-user");
    await iam.send(new CreateRoleCommand({ RoleName: roleName, AssumeRolePolicyDocument: "{}" }));
    await iam.send(new CreateUserCommand({ UserName: userName }));
    await iam.send(
      new AttachRolePolicyCommand({ RoleName: roleName, PolicyArn: arnOf("terminate") }),
    );
    await iam.send(
      new AttachUserPolicyCommand({ UserName: userName, PolicyArn: arnOf("terminate") }),
    );

    const result = await particle.apply({ providerOptions, desiredState: "terminated" });
    expect(result.particles[0]).toMatchObject({ outcome: "converged", state: "terminated" });
    expect(await find("terminate")).toBeUndefined();
    const { AttachedPolicies } = await iam.send(
      new ListAttachedRolePoliciesCommand({ RoleName: roleName }),
    );
    expect(AttachedPolicies).toEqual([]);
  });

  it("deletes the policy when asked to stop, and then counts it as stopped", async () => {
    await expectStopDeletes(import.meta.url, policy, async (label) => {
      expect(await find(label)).toBeUndefined();
    });
  });

  it("terminates a policy that is already gone", async () => {
    await expectTerminatesWhenGone(import.meta.url, policy, (label) =>
      iam.send(new DeletePolicyCommand({ PolicyArn: arnOf(label) })),
    );
  });

  it("refuses to terminate or update a policy it did not create, until told to adopt it", async () => {
    const name = uniqueName(import.meta.url, "foreign");
    await iam.send(
      new CreatePolicyCommand({
        PolicyName: name,
        PolicyDocument: JSON.stringify(allow("s3:GetObject")),
      }),
    );
    await expectAdoptionRequired(import.meta.url, {
      particle: (block) => policy("foreign", block),
      changed: () => policy("foreign", { PolicyDocument: allow("*") }),
      expectUntouched: async () => {
        expect(await versionsOf("foreign")).toEqual(["v1*"]);
      },
      expectGone: async () => {
        expect(await find("foreign")).toBeUndefined();
      },
    });
  });

  it("reads a field of three policies with one ListPolicies call", async () => {
    const labels = ["batch-a", "batch-b", "batch-c"];
    const { outcomes, counts } = await countReapply(import.meta.url, () =>
      labels.map((label) => policy(label)),
    );
    expect(outcomes).toEqual(["unchanged", "unchanged", "unchanged"]);
    expect(counts).toEqual({
      ListPoliciesCommand: 1,
      GetPolicyCommand: 3,
      GetPolicyVersionCommand: 3,
    });
  });

  it("loads and applies PCF's own example definition", async () => {
    // From capitalone/Particle-Cloud-Framework examples/particle/aws/iam/use_iam_policy/use_iam_policy.py.
    const myManagedPolicy = {
      Version: "2012-10-17",
      Statement: [
        { Effect: "Allow", Action: "logs:CreateLogGroup", Resource: "*" },
        {
          Effect: "Allow",
          Action: ["dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem"],
          Resource: "*",
        },
      ],
    };
    const updateManagedPolicy = {
      ...myManagedPolicy,
      Statement: [
        myManagedPolicy.Statement[0],
        { Effect: "Allow", Action: ["dynamodb:DeleteItem", "dynamodb:GetItem"], Resource: "*" },
      ],
    };
    const example = {
      pcf_name: "pcf_iam_policy",
      flavor: "iam_policy",
      aws_resource: { PolicyName: "pcf-test", PolicyDocument: JSON.stringify(myManagedPolicy) },
    };
    const { field } = await loadField([example]);
    expect(field.get("iam_policy:pcf_iam_policy")).toBeInstanceOf(IamPolicy);

    const renamed = {
      ...example,
      aws_resource: { ...example.aws_resource, PolicyName: uniqueName(import.meta.url, "example") },
    };
    await applyField((await loadField([renamed])).field, { providerOptions });
    const updated = {
      ...renamed,
      aws_resource: {
        ...renamed.aws_resource,
        PolicyDocument: JSON.stringify(updateManagedPolicy),
      },
    };
    const result = await applyField((await loadField([updated])).field, { providerOptions });
    expect(result.particles[0]?.transitions).toEqual(["update"]);
    expect(await documentOf("example")).toEqual(updateManagedPolicy);
    await applyField((await loadField([{ ...updated, desired_state: "terminated" }])).field, {
      providerOptions,
    });
    expect(await find("example")).toBeUndefined();
  });

  it("rejects a definition without its PolicyName when constructed", () => {
    expect(
      () =>
        new IamPolicy({
          pcf_name: "nameless",
          flavor: "iam_policy",
          aws_resource: { PolicyDocument: allow("s3:GetObject") },
        }),
    ).toThrow(/unique key aws_resource\.PolicyName is required/);
  });

  it("rejects wrong types, bad documents and unknown fields, listing every problem", async () => {
    const { issues } = await definitionErrorOf([
      {
        pcf_name: "typed",
        flavor: "iam_policy",
        aws_resource: {
          PolicyName: "typed",
          PolicyDocument: "{not json",
          Path: "team",
          Tags: "team=data",
          PolicyDocumnet: {},
        },
      },
    ]);
    expect(issues.map((issue) => issue.field)).toEqual(
      expect.arrayContaining([
        "aws_resource.PolicyDocument",
        "aws_resource.Path",
        "aws_resource.Tags",
      ]),
    );
    expect(issues.map((issue) => issue.message)).toContainEqual(
      expect.stringMatching(/unknown field PolicyDocumnet/),
    );
  });
});
