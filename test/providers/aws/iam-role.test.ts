import {
  AddRoleToInstanceProfileCommand,
  AttachRolePolicyCommand,
  CreateInstanceProfileCommand,
  CreateRoleCommand,
  DeleteRoleCommand,
  DetachRolePolicyCommand,
  GetInstanceProfileCommand,
  GetPolicyCommand,
  GetRoleCommand,
  IAMClient,
  ListAttachedRolePoliciesCommand,
  ListInstanceProfilesForRoleCommand,
  PutRolePolicyCommand,
  UpdateAssumeRolePolicyCommand,
  type Role,
} from "@aws-sdk/client-iam";
import { describe, expect, it } from "vitest";
import {
  applyField,
  loadField,
  type EngineEvent,
  type ParticleDefinition,
} from "../../../src/index.js";
import { IamPolicy } from "../../../src/providers/aws/iam/policy.js";
import { IamRole, type IamRoleDefinition } from "../../../src/providers/aws/iam/role.js";
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
const READ_ONLY = "arn:aws:iam::aws:policy/ReadOnlyAccess";
const S3_READ_ONLY = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess";

/** A trust policy letting `service` assume the role. */
function trust(service: string): Record<string, unknown> {
  return {
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Principal: { Service: service }, Action: "sts:AssumeRole" }],
  };
}

const ALLOW_LOGS = {
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Action: "logs:CreateLogGroup", Resource: "*" }],
};

function name(label: string): string {
  return uniqueName(import.meta.url, label);
}

function roleDefinition(
  label: string,
  block: Partial<IamRoleDefinition> = {},
  extra: Partial<ParticleDefinition> = {},
): ParticleDefinition {
  const base = { RoleName: name(label), AssumeRolePolicyDocument: trust("ec2.amazonaws.com") };
  return { ...definitionOf("iam_role", label, base, block), ...extra };
}

function role(label: string, block: Partial<IamRoleDefinition> = {}): IamRole {
  return new IamRole(roleDefinition(label, block));
}

function policyDefinition(label: string): ParticleDefinition {
  return definitionOf("iam_policy", label, { PolicyName: name(label), PolicyDocument: ALLOW_LOGS });
}

function policyArn(label: string): string {
  return `arn:aws:iam::${motoAccountId(import.meta.url)}:policy/${name(label)}`;
}

async function find(label: string): Promise<Role | undefined> {
  try {
    return (await iam.send(new GetRoleCommand({ RoleName: name(label) }))).Role;
  } catch {
    return undefined;
  }
}

async function policyExists(label: string): Promise<boolean> {
  try {
    await iam.send(new GetPolicyCommand({ PolicyArn: policyArn(label) }));
    return true;
  } catch {
    return false;
  }
}

async function attachedTo(label: string): Promise<string[]> {
  const { AttachedPolicies = [] } = await iam.send(
    new ListAttachedRolePoliciesCommand({ RoleName: name(label) }),
  );
  return AttachedPolicies.map((policy) => policy.PolicyArn ?? "").sort();
}

function trustOf(found: Role | undefined): unknown {
  return JSON.parse(decodeURIComponent(found?.AssumeRolePolicyDocument ?? "null"));
}

describe("iam_role", () => {
  it("creates the role with its settings, tags and policies", async () => {
    const result = await role("create", {
      AssumeRolePolicyDocument: JSON.stringify(trust("lambda.amazonaws.com")),
      Description: "runs jobs",
      MaxSessionDuration: 7200,
      Path: "/jobs/",
      Tags: [{ Key: "team", Value: "data" }],
      custom_config: { policy_arns: [READ_ONLY] },
    }).apply({ providerOptions });
    expect(result.particles[0]).toMatchObject({
      outcome: "converged",
      transitions: ["start"],
      state: "running",
    });
    const created = await find("create");
    expect(created).toMatchObject({
      Path: "/jobs/",
      Description: "runs jobs",
      MaxSessionDuration: 7200,
    });
    expect(trustOf(created)).toEqual(trust("lambda.amazonaws.com"));
    expect(tagMap(created?.Tags)).toEqual({ team: "data", ...OWNERSHIP });
    expect(await attachedTo("create")).toEqual([READ_ONLY]);
  });

  it("reports a second apply as unchanged, documents as text or object alike", async () => {
    await role("noop", {
      Tags: { team: "data" },
      custom_config: { policy_arns: [READ_ONLY] },
    }).apply({
      providerOptions,
    });
    const again = await role("noop", {
      AssumeRolePolicyDocument: JSON.stringify(trust("ec2.amazonaws.com"), null, 2),
      Tags: [{ Key: "team", Value: "data" }],
      custom_config: { policy_arns: [READ_ONLY, READ_ONLY] },
    }).apply({ providerOptions });
    expect(again.particles[0]).toMatchObject({ outcome: "unchanged", transitions: [] });
  });

  it("updates the trust policy, settings, tags and attached policies in place", async () => {
    await role("update", {
      Description: "old",
      Tags: { team: "data", old: "x" },
      custom_config: { policy_arns: [READ_ONLY] },
    }).apply({ providerOptions });
    const result = await role("update", {
      AssumeRolePolicyDocument: trust("ecs-tasks.amazonaws.com"),
      Description: "new",
      MaxSessionDuration: 10_800,
      PermissionsBoundary: READ_ONLY,
      Tags: { team: "ml" },
      custom_config: { policy_arns: [S3_READ_ONLY] },
    }).apply({ providerOptions });
    expect(result.particles[0]).toMatchObject({ outcome: "converged", transitions: ["update"] });
    const updated = await find("update");
    expect(updated).toMatchObject({ Description: "new", MaxSessionDuration: 10_800 });
    expect(updated?.PermissionsBoundary?.PermissionsBoundaryArn).toBe(READ_ONLY);
    expect(trustOf(updated)).toEqual(trust("ecs-tasks.amazonaws.com"));
    expect(tagMap(updated?.Tags)).toEqual({ team: "ml", ...OWNERSHIP });
    expect(await attachedTo("update")).toEqual([S3_READ_ONLY]);
  });

  it("keeps the description when only the session length changes", async () => {
    await role("session", { Description: "keep me" }).apply({ providerOptions });
    await role("session", { MaxSessionDuration: 14_400 }).apply({ providerOptions });
    expect(await find("session")).toMatchObject({
      Description: "keep me",
      MaxSessionDuration: 14_400,
    });
  });

  it("corrects a trust policy and attachments changed behind its back", async () => {
    const particle = role("drift", { custom_config: { policy_arns: [READ_ONLY] } });
    await particle.apply({ providerOptions });
    await iam.send(
      new UpdateAssumeRolePolicyCommand({
        RoleName: name("drift"),
        PolicyDocument: JSON.stringify(trust("lambda.amazonaws.com")),
      }),
    );
    await iam.send(new DetachRolePolicyCommand({ RoleName: name("drift"), PolicyArn: READ_ONLY }));
    await iam.send(
      new AttachRolePolicyCommand({ RoleName: name("drift"), PolicyArn: S3_READ_ONLY }),
    );
    const result = await particle.apply({ providerOptions });
    expect(result.particles[0]?.transitions).toEqual(["update"]);
    expect(trustOf(await find("drift"))).toEqual(trust("ec2.amazonaws.com"));
    expect(await attachedTo("drift")).toEqual([READ_ONLY]);
  });

  it("refuses to move a role to another Path unless allowed, naming the way out", async () => {
    await role("moved").apply({ providerOptions });
    const error = await failureOf(
      role("moved", { Path: "/elsewhere/" }).apply({ providerOptions }),
    );
    expect(error.message).toMatch(/aws_resource\.Path .* --allow-replace/);
    expect(error.result.particles[0]?.error?.code).toBe("REPLACE_REFUSED");
    expect((await find("moved"))?.Path).toBe("/");
  });

  it("replaces a role to move it to another Path when the run allows it", async () => {
    await role("relocated").apply({ providerOptions });
    const particle = role("relocated", { Path: "/elsewhere/" });
    const result = await particle.apply({ providerOptions, allowReplace: [particle.name] });
    expect(result.particles[0]?.transitions).toEqual(["terminate", "start"]);
    expect((await find("relocated"))?.Path).toBe("/elsewhere/");
  });

  it("puts the role in an instance profile of its name, and deletes both", async () => {
    const particle = role("profiled", { custom_config: { IsInstanceProfile: true } });
    await particle.apply({ providerOptions });
    const { InstanceProfile } = await iam.send(
      new GetInstanceProfileCommand({ InstanceProfileName: name("profiled") }),
    );
    expect(InstanceProfile?.Roles?.map((member) => member.RoleName)).toEqual([name("profiled")]);
    const again = await role("profiled", { custom_config: { IsInstanceProfile: true } }).apply({
      providerOptions,
    });
    expect(again.particles[0]?.outcome).toBe("unchanged");

    await particle.apply({ providerOptions, desiredState: "terminated" });
    expect(await find("profiled")).toBeUndefined();
    await expect(
      iam.send(new GetInstanceProfileCommand({ InstanceProfileName: name("profiled") })),
    ).rejects.toThrow(/not found/i);
  });

  it("frees the role of profiles and policies when terminated", async () => {
    const particle = role("terminate", { custom_config: { policy_arns: [READ_ONLY] } });
    await particle.apply({ providerOptions });
    const profile = name("terminate-profile");
    await iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: profile }));
    await iam.send(
      new AddRoleToInstanceProfileCommand({
        InstanceProfileName: profile,
        RoleName: name("terminate"),
      }),
    );
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: name("terminate"),
        PolicyName: "inline",
        PolicyDocument: JSON.stringify(ALLOW_LOGS),
      }),
    );
    const result = await particle.apply({ providerOptions, desiredState: "terminated" });
    expect(result.particles[0]).toMatchObject({ outcome: "converged", state: "terminated" });
    expect(await find("terminate")).toBeUndefined();
    const { InstanceProfile } = await iam.send(
      new GetInstanceProfileCommand({ InstanceProfileName: profile }),
    );
    expect(InstanceProfile?.Roles).toEqual([]);
  });

  it("deletes the role when asked to stop, and then counts it as stopped", async () => {
    await expectStopDeletes(import.meta.url, role, async (label) => {
      expect(await find(label)).toBeUndefined();
    });
  });

  it("terminates a role that is already gone", async () => {
    await expectTerminatesWhenGone(import.meta.url, role, (label) =>
      iam.send(new DeleteRoleCommand({ RoleName: name(label) })),
    );
  });

  it("refuses to terminate or update a role it did not create, until told to adopt it", async () => {
    await iam.send(
      new CreateRoleCommand({
        RoleName: name("foreign"),
        AssumeRolePolicyDocument: JSON.stringify(trust("ec2.amazonaws.com")),
        Tags: [{ Key: "owner", Value: "someone-else" }],
      }),
    );
    await expectAdoptionRequired(import.meta.url, {
      particle: (block) => role("foreign", block),
      changed: () => role("foreign", { Description: "mine now" }),
      expectUntouched: async () => {
        expect((await find("foreign"))?.Description).toBeUndefined();
      },
      expectGone: async () => {
        expect(await find("foreign")).toBeUndefined();
      },
    });
  });

  it("reads a field of three roles with one ListRoles call", async () => {
    const labels = ["batch-a", "batch-b", "batch-c"];
    const { outcomes, counts } = await countReapply(import.meta.url, () =>
      labels.map((label) => role(label)),
    );
    expect(outcomes).toEqual(["unchanged", "unchanged", "unchanged"]);
    expect(counts).toEqual({
      ListRolesCommand: 1,
      GetRoleCommand: 3,
      ListAttachedRolePoliciesCommand: 3,
    });
  });

  it("creates its iam_policy parents first, attaches them, and goes before them", async () => {
    const definitions = [
      policyDefinition("parent-policy"),
      roleDefinition(
        "child",
        { custom_config: { policy_arns: [READ_ONLY] } },
        { parents: ["iam_policy:parent-policy"] },
      ),
    ];
    const events: EngineEvent[] = [];
    const onEvent = (event: EngineEvent): void => void events.push(event);
    const starts = (): string[] =>
      events.flatMap((event) => (event.type === "transition.start" ? [event.particle] : []));

    await applyField((await loadField(definitions)).field, { providerOptions, onEvent });
    expect(starts()).toEqual(["iam_policy:parent-policy", "iam_role:child"]);
    expect(await attachedTo("child")).toEqual([READ_ONLY, policyArn("parent-policy")].sort());
    const again = await applyField((await loadField(definitions)).field, { providerOptions });
    expect(again.particles.map((report) => report.outcome)).toEqual(["unchanged", "unchanged"]);

    events.length = 0;
    await applyField((await loadField(definitions)).field, {
      providerOptions,
      onEvent,
      desiredState: "terminated",
    });
    expect(starts()).toEqual(["iam_role:child", "iam_policy:parent-policy"]);
    expect(await find("child")).toBeUndefined();
    expect(await policyExists("parent-policy")).toBe(false);
  });

  it("fails clearly when an iam_policy parent does not exist", async () => {
    const { field } = await loadField([
      policyDefinition("absent-policy"),
      roleDefinition("orphan", {}, { parents: ["iam_policy:absent-policy"] }),
    ]);
    const orphan = field.get("iam_role:orphan");
    if (orphan === undefined) throw new Error("no orphan");
    const error = await failureOf(orphan.apply({ providerOptions }));
    expect(error.message).toMatch(/parent iam_policy:absent-policy is terminated/);
    expect(await find("orphan")).toBeUndefined();
  });

  it("loads PCF's own example definitions and applies the one with policy parents", async () => {
    // From capitalone/Particle-Cloud-Framework examples/particle/aws/iam/use_iam_role.py/.
    const assumeRolePolicyDocument = JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        { Action: "sts:AssumeRole", Principal: { Service: "ec2.amazonaws.com" }, Effect: "Allow" },
      ],
    });
    const roleExample = {
      pcf_name: "pcf_iam_role",
      flavor: "iam_role",
      aws_resource: {
        custom_config: {
          policy_arns: [
            "arn:aws:iam::12345678910:policy/pcf-test",
            "arn:aws:iam::12345678910:policy/pcf-test2",
          ],
          IsInstanceProfile: true,
        },
        RoleName: "pcf-test",
        AssumeRolePolicyDocument: assumeRolePolicyDocument,
      },
    };
    const myManagedPolicy = {
      Version: "2012-10-17",
      Statement: [
        { Effect: "Allow", Action: "logs:CreateLogGroup", Resource: "*" },
        { Effect: "Allow", Action: ["dynamodb:GetItem"], Resource: "*" },
      ],
    };
    const withPolicies = (names: { policy: string; policy2: string; role: string }) => ({
      pcf_name: "iam_role_with_iam_policy_parents",
      flavor: "quasiparticle",
      particles: [
        {
          flavor: "iam_policy",
          pcf_name: "iam_policy_parent",
          aws_resource: {
            PolicyName: names.policy,
            PolicyDocument: JSON.stringify(myManagedPolicy),
          },
        },
        {
          flavor: "iam_policy",
          pcf_name: "iam_policy_parent2",
          aws_resource: { PolicyName: names.policy2, PolicyDocument: JSON.stringify(ALLOW_LOGS) },
        },
        {
          flavor: "iam_role",
          parents: ["iam_policy:iam_policy_parent", "iam_policy:iam_policy_parent2"],
          aws_resource: {
            custom_config: { IsInstanceProfile: true },
            RoleName: names.role,
            AssumeRolePolicyDocument: assumeRolePolicyDocument,
          },
        },
      ],
    });
    const loaded = await loadField([
      roleExample,
      withPolicies({ policy: "pcf-test", policy2: "pcf-test2", role: "pcf-test-role" }),
    ]);
    expect(loaded.field.get("iam_role:pcf_iam_role")).toBeInstanceOf(IamRole);
    expect(loaded.field.get("iam_role:iam_role_with_iam_policy_parents")).toBeInstanceOf(IamRole);
    expect(loaded.field.get("iam_policy:iam_policy_parent2")).toBeInstanceOf(IamPolicy);

    const names = { policy: name("ex-policy"), policy2: name("ex-policy2"), role: name("ex-role") };
    const example = withPolicies(names);
    await applyField((await loadField([example])).field, { providerOptions });
    expect(await attachedTo("ex-role")).toEqual([policyArn("ex-policy"), policyArn("ex-policy2")]);
    const { InstanceProfiles = [] } = await iam.send(
      new ListInstanceProfilesForRoleCommand({ RoleName: names.role }),
    );
    expect(InstanceProfiles.map((profile) => profile.InstanceProfileName)).toEqual([names.role]);

    // PCF's update example: the second policy is no longer a parent, so the role detaches it.
    const [firstPolicy, , roleMember] = example.particles;
    const updated = {
      ...example,
      particles: [firstPolicy, { ...roleMember, parents: ["iam_policy:iam_policy_parent"] }],
    };
    const result = await applyField((await loadField([updated])).field, { providerOptions });
    expect(result.particles.map((report) => report.transitions)).toEqual([[], ["update"]]);
    expect(await attachedTo("ex-role")).toEqual([policyArn("ex-policy")]);

    await applyField((await loadField([example])).field, {
      providerOptions,
      desiredState: "terminated",
    });
    expect(await find("ex-role")).toBeUndefined();
    expect(await policyExists("ex-policy")).toBe(false);
    expect(await policyExists("ex-policy2")).toBe(false);
  });

  it("rejects a definition without its RoleName when constructed", () => {
    expect(
      () =>
        new IamRole({
          pcf_name: "nameless",
          flavor: "iam_role",
          aws_resource: { AssumeRolePolicyDocument: trust("ec2.amazonaws.com") },
        }),
    ).toThrow(/unique key aws_resource\.RoleName is required/);
  });

  it("rejects wrong types and unknown fields, listing every problem", async () => {
    const { issues } = await definitionErrorOf([
      {
        pcf_name: "typed",
        flavor: "iam_role",
        aws_resource: {
          RoleName: "typed",
          MaxSessionDuration: "long",
          Tags: [{ Key: "team" }],
          custom_config: { policy_arns: "arn:aws:iam::aws:policy/ReadOnlyAccess" },
          AssumeRolePolicy: {},
        },
      },
    ]);
    expect(issues.map((issue) => issue.field)).toEqual(
      expect.arrayContaining([
        "aws_resource.AssumeRolePolicyDocument",
        "aws_resource.MaxSessionDuration",
        "aws_resource.custom_config.policy_arns",
      ]),
    );
    expect(issues.some((issue) => issue.field?.startsWith("aws_resource.Tags"))).toBe(true);
    expect(issues.map((issue) => issue.message)).toContainEqual(
      expect.stringMatching(/unknown field AssumeRolePolicy/),
    );
  });
});
