import {
  CreateImageCommand,
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateTagsCommand,
  DeleteTagsCommand,
  DescribeInstanceAttributeCommand,
  DescribeInstancesCommand,
  DescribeVpcsCommand,
  EC2Client,
  ModifyInstanceAttributeCommand,
  RunInstancesCommand,
  StopInstancesCommand,
  TerminateInstancesCommand,
  type Instance,
  type RunInstancesCommandInput,
} from "@aws-sdk/client-ec2";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { Field, applyField, loadField, type ParticleDefinition } from "../../../src/index.js";
import { createRunContext } from "../../../src/core/run-context.js";
import { Ec2Instance } from "../../../src/providers/aws/ec2/instance.js";
import {
  NO_USER_DATA,
  renderTemplate,
  renderUserData,
} from "../../../src/providers/aws/ec2/instance-user-data.js";
import { awsTestOptions, uniqueName, verificationClient } from "../../support/aws.js";
import {
  OWNERSHIP,
  countedOptions,
  definitionErrorOf,
  definitionOf,
  failureOf,
  onlyOne,
  pcfNameFilter,
  pcfNameTagSpecifications,
  tagMap,
} from "../../support/aws-fixtures.js";

const ec2 = verificationClient(EC2Client, import.meta.url);
const providerOptions = awsTestOptions(import.meta.url);
/** One of moto's built-in AMIs. */
const AMI = "ami-12c6146b";

function instanceDefinition(
  label: string,
  block: Record<string, unknown> = {},
  config: Record<string, unknown> = {},
): ParticleDefinition {
  const base = {
    ImageId: AMI,
    InstanceType: "t2.micro",
    custom_config: { instance_name: uniqueName(import.meta.url, label) },
  };
  return definitionOf("ec2_instance", label, base, { ...block, custom_config: config });
}

function instance(
  label: string,
  block: Record<string, unknown> = {},
  config: Record<string, unknown> = {},
): Ec2Instance {
  return new Ec2Instance(instanceDefinition(label, block, config));
}

/** The live (not terminated) instances tagged with a label's name. */
async function liveInstances(label: string): Promise<Instance[]> {
  const { Reservations = [] } = await ec2.send(
    new DescribeInstancesCommand({
      Filters: [
        ...pcfNameFilter(uniqueName(import.meta.url, label)),
        {
          Name: "instance-state-name",
          Values: ["pending", "running", "stopping", "stopped", "shutting-down"],
        },
      ],
    }),
  );
  return Reservations.flatMap((reservation) => reservation.Instances ?? []);
}

async function only(label: string): Promise<Instance & { InstanceId: string }> {
  return onlyOne(await liveInstances(label), "InstanceId", "instance");
}

async function userDataOf(instanceId: string | undefined): Promise<string> {
  const { UserData } = await ec2.send(
    new DescribeInstanceAttributeCommand({ InstanceId: instanceId, Attribute: "userData" }),
  );
  return Buffer.from(UserData?.Value ?? "", "base64").toString("utf8");
}

async function securityGroup(label: string): Promise<string> {
  const { GroupId } = await ec2.send(
    new CreateSecurityGroupCommand({
      GroupName: uniqueName(import.meta.url, label),
      Description: label,
    }),
  );
  return GroupId ?? "";
}

describe("ec2_instance", () => {
  it("launches the instance with its type, its user data and every tag in one call", async () => {
    const { counter, providerOptions: options } = countedOptions(import.meta.url);
    const result = await instance(
      "create",
      { UserData: "echo hello" },
      { tags: { team: "data", version: 2 }, userdata_bash: true },
    ).apply({ providerOptions: options });
    expect(result.particles[0]).toMatchObject({
      outcome: "converged",
      transitions: ["start"],
      state: "running",
    });
    const live = await only("create");
    expect(live.InstanceType).toBe("t2.micro");
    expect(tagMap(live.Tags)).toEqual({
      PCFName: uniqueName(import.meta.url, "create"),
      team: "data",
      version: "2",
      ...OWNERSHIP,
    });
    expect(await userDataOf(live.InstanceId)).toBe("#!/bin/bash\necho hello");
    expect(counter.count("RunInstancesCommand")).toBe(1);
    expect(counter.count("CreateTagsCommand")).toBe(0);
  });

  it("reports a second apply as unchanged", async () => {
    const group = await securityGroup("noop-sg");
    const definition = instanceDefinition(
      "noop",
      { SecurityGroupIds: [group] },
      { tags: { team: "data" } },
    );
    await new Ec2Instance(definition).apply({ providerOptions });
    const again = await new Ec2Instance(definition).apply({ providerOptions });
    expect(again.particles[0]).toMatchObject({ outcome: "unchanged", transitions: [] });
  });

  it("stops the instance and starts the same one again", async () => {
    const particle = instance("stop-start");
    await particle.apply({ providerOptions });
    const launched = (await only("stop-start")).InstanceId;

    const stopped = await particle.apply({ providerOptions, desiredState: "stopped" });
    expect(stopped.particles[0]).toMatchObject({ transitions: ["stop"], state: "stopped" });
    expect((await only("stop-start")).State?.Name).toBe("stopped");

    const started = await particle.apply({ providerOptions, desiredState: "running" });
    expect(started.particles[0]).toMatchObject({ transitions: ["start"], state: "running" });
    const live = await only("stop-start");
    expect(live.InstanceId).toBe(launched);
    expect(live.State?.Name).toBe("running");
  });

  it("changes the type of a running instance by stopping, changing and starting it", async () => {
    await instance("resize").apply({ providerOptions });
    const { counter, providerOptions: options } = countedOptions(import.meta.url);
    const result = await instance("resize", { InstanceType: "t2.small" }).apply({
      providerOptions: options,
    });
    expect(result.particles[0]).toMatchObject({ transitions: ["update"], state: "running" });
    const live = await only("resize");
    expect(live.InstanceType).toBe("t2.small");
    expect(live.State?.Name).toBe("running");
    expect(counter.count("StopInstancesCommand")).toBe(1);
    expect(counter.count("ModifyInstanceAttributeCommand")).toBe(1);
    expect(counter.count("StartInstancesCommand")).toBe(1);
  });

  it("changes the type of a stopped instance before starting it, without another stop", async () => {
    await instance("resize-stopped").apply({ providerOptions, desiredState: "stopped" });
    const { counter, providerOptions: options } = countedOptions(import.meta.url);
    const result = await instance("resize-stopped", { InstanceType: "t2.medium" }).apply({
      providerOptions: options,
    });
    expect(result.particles[0]?.transitions).toEqual(["start"]);
    expect((await only("resize-stopped")).InstanceType).toBe("t2.medium");
    expect(counter.count("StopInstancesCommand")).toBe(0);
  });

  it("changes security groups in place, without a restart", async () => {
    const [first, second] = [await securityGroup("sg-a"), await securityGroup("sg-b")];
    await instance("groups", { SecurityGroupIds: [first] }).apply({ providerOptions });
    const { counter, providerOptions: options } = countedOptions(import.meta.url);
    const result = await instance("groups", { SecurityGroupIds: [second, first] }).apply({
      providerOptions: options,
    });
    expect(result.particles[0]?.transitions).toEqual(["update"]);
    const groups = (await only("groups")).SecurityGroups?.map((group) => group.GroupId);
    expect(groups?.sort()).toEqual([first, second].sort());
    expect(counter.count("StopInstancesCommand")).toBe(0);
  });

  it("changes metadata options in place, without a restart", async () => {
    await instance("metadata", { MetadataOptions: { HttpTokens: "optional" } }).apply({
      providerOptions,
    });
    const { counter, providerOptions: options } = countedOptions(import.meta.url);
    const definition = { MetadataOptions: { HttpTokens: "required", HttpPutResponseHopLimit: 2 } };
    const result = await instance("metadata", definition).apply({ providerOptions: options });
    expect(result.particles[0]?.transitions).toEqual(["update"]);
    expect((await only("metadata")).MetadataOptions).toMatchObject({
      HttpTokens: "required",
      HttpPutResponseHopLimit: 2,
    });
    expect(counter.count("ModifyInstanceMetadataOptionsCommand")).toBe(1);
    expect(counter.count("StopInstancesCommand")).toBe(0);
    const again = await instance("metadata", definition).apply({ providerOptions });
    expect(again.particles[0]?.outcome).toBe("unchanged");
  });

  it("updates tags in place: changed, added and removed", async () => {
    await instance("tags", {}, { tags: { team: "data", old: "x" } }).apply({ providerOptions });
    const result = await instance("tags", {}, { tags: { team: "ml", added: "y" } }).apply({
      providerOptions,
    });
    expect(result.particles[0]?.transitions).toEqual(["update"]);
    expect(tagMap((await only("tags")).Tags)).toEqual({
      PCFName: uniqueName(import.meta.url, "tags"),
      team: "ml",
      added: "y",
      ...OWNERSHIP,
    });
  });

  it("corrects a tag and the security groups changed behind its back", async () => {
    const [wanted, other] = [await securityGroup("drift-a"), await securityGroup("drift-b")];
    const particle = instance("drift", { SecurityGroupIds: [wanted] }, { tags: { team: "data" } });
    await particle.apply({ providerOptions });
    const { InstanceId } = await only("drift");
    await ec2.send(
      new CreateTagsCommand({ Resources: [InstanceId ?? ""], Tags: [{ Key: "team", Value: "x" }] }),
    );
    await ec2.send(new ModifyInstanceAttributeCommand({ InstanceId, Groups: [other] }));

    const result = await particle.apply({ providerOptions });
    expect(result.particles[0]?.transitions).toEqual(["update"]);
    const live = await only("drift");
    expect(tagMap(live.Tags)["team"]).toBe("data");
    expect(live.SecurityGroups?.map((group) => group.GroupId)).toEqual([wanted]);
  });

  it("terminates the instance, then launches a new one when asked to run again", async () => {
    const particle = instance("cycle");
    await particle.apply({ providerOptions });
    const first = (await only("cycle")).InstanceId;

    const terminated = await particle.apply({ providerOptions, desiredState: "terminated" });
    expect(terminated.particles[0]).toMatchObject({
      transitions: ["terminate"],
      state: "terminated",
    });
    expect(await liveInstances("cycle")).toEqual([]);

    // PCF cached the id and never launched again in the same process; the tag finds afresh.
    const again = await particle.apply({ providerOptions, desiredState: "running" });
    expect(again.particles[0]).toMatchObject({ transitions: ["start"], state: "running" });
    expect((await only("cycle")).InstanceId).not.toBe(first);
  });

  it("sends the same client token for the same launch, from any particle object or run", async () => {
    const tokens: string[] = [];
    const options = awsTestOptions(import.meta.url, {
      configureClient: (client) =>
        client.middlewareStack.add(
          (next, context) => (args) => {
            if (context.commandName === "RunInstancesCommand")
              tokens.push((args.input as RunInstancesCommandInput).ClientToken ?? "");
            return next(args);
          },
          { step: "initialize", name: "tokenRecorder" },
        ),
    });
    // A launch refused and asked again, by a new particle object as a re-run would make: one token,
    // so on AWS a re-run after a timed-out launch gets the first instance, not a second one.
    for (const attempt of ["first", "second"]) {
      const refused = instance("tokens-refused", { SecurityGroupIds: ["sg-0000000000000dead"] });
      const error = await failureOf(refused.apply({ providerOptions: options }));
      expect(error.message, attempt).toMatch(/InvalidGroup\.NotFound/);
    }
    await instance("tokens").apply({ providerOptions: options });
    await instance("tokens", { InstanceType: "t3.small" }).apply({
      providerOptions: options,
      desiredState: "terminated",
    });
    await instance("tokens", { InstanceType: "t3.small" }).apply({ providerOptions: options });
    expect(tokens).toHaveLength(4);
    expect(tokens[0]).toBe(tokens[1]);
    // Another particle, or the same one with another launch input, gets another token.
    expect(new Set(tokens).size).toBe(3);
    for (const token of tokens) expect(token).toMatch(/^[0-9a-f]{64}$/);
  });

  it("terminates an instance that is already gone", async () => {
    const never = await instance("never").apply({ providerOptions, desiredState: "terminated" });
    expect(never.particles[0]).toMatchObject({ outcome: "unchanged", state: "terminated" });

    const particle = instance("vanished");
    await particle.apply({ providerOptions });
    const context = createRunContext({ providerOptions });
    expect(await particle.getState(context)).toBe("running");
    const { InstanceId } = await only("vanished");
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: [InstanceId ?? ""] }));
    particle.setDesiredState("terminated");
    await expect(particle.runTransition("terminate", context)).resolves.toBeUndefined();
  });

  it("refuses to stop or terminate an instance it did not launch, until told to adopt it", async () => {
    const name = uniqueName(import.meta.url, "foreign");
    await ec2.send(
      new RunInstancesCommand({
        ImageId: AMI,
        MinCount: 1,
        MaxCount: 1,
        TagSpecifications: pcfNameTagSpecifications("instance", name),
      }),
    );
    const error = await failureOf(
      instance("foreign").apply({ providerOptions, desiredState: "terminated" }),
    );
    expect(error.message).toMatch(/refusing to terminate: .*not created by particle-cloud/);
    const stopError = await failureOf(
      instance("foreign").apply({ providerOptions, desiredState: "stopped" }),
    );
    expect(stopError.message).toMatch(/refusing to stop/);
    expect((await only("foreign")).State?.Name).toBe("running");

    await instance("foreign", {}, { adopt: true }).apply({
      providerOptions,
      desiredState: "terminated",
    });
    expect(await liveInstances("foreign")).toEqual([]);
  });

  it("refuses to start a stopped instance it did not launch", async () => {
    const name = uniqueName(import.meta.url, "foreign-stopped");
    const { Instances = [] } = await ec2.send(
      new RunInstancesCommand({
        ImageId: AMI,
        MinCount: 1,
        MaxCount: 1,
        TagSpecifications: pcfNameTagSpecifications("instance", name),
      }),
    );
    await ec2.send(new StopInstancesCommand({ InstanceIds: [Instances[0]?.InstanceId ?? ""] }));
    const error = await failureOf(instance("foreign-stopped").apply({ providerOptions }));
    expect(error.message).toMatch(/refusing to start: .*not created by particle-cloud/);
    expect((await only("foreign-stopped")).State?.Name).toBe("stopped");
  });

  it("reads a field of three instances with one DescribeInstances call", async () => {
    const labels = ["batch-a", "batch-b", "batch-c"];
    await applyField(new Field(labels.map((label) => instance(label))).link(), {
      providerOptions,
    });
    await instance("batch-other").apply({ providerOptions });

    const { counter, providerOptions: options } = countedOptions(import.meta.url);
    const result = await applyField(new Field(labels.map((label) => instance(label))).link(), {
      providerOptions: options,
    });
    expect(result.particles.map((report) => report.outcome)).toEqual([
      "unchanged",
      "unchanged",
      "unchanged",
    ]);
    expect(counter.all()).toEqual({ DescribeInstancesCommand: 1 });
  });

  it("fails the read when two live instances carry its name", async () => {
    const name = uniqueName(import.meta.url, "twins");
    await ec2.send(
      new RunInstancesCommand({
        ImageId: AMI,
        MinCount: 2,
        MaxCount: 2,
        TagSpecifications: pcfNameTagSpecifications("instance", name),
      }),
    );
    const error = await failureOf(instance("twins").apply({ providerOptions }));
    expect(error.message).toMatch(
      /2 live instances carry the tag PCFName=.*twins \(i-\w+, i-\w+\): keep one and remove the tag from the others, e\.g\. `aws ec2 delete-tags --region us-east-1 --resources i-\w+ --tags Key=PCFName`/,
    );
    expect(error.result.particles[0]?.error?.code).toBe("DUPLICATE_RESOURCE");
  });

  it("reads a just-launched instance by its id until its tag shows", async () => {
    const particle = instance("window");
    const context = createRunContext({ providerOptions });
    expect(await particle.getState(context)).toBe("terminated");
    await particle.runTransition("start", context);
    const { InstanceId } = await only("window");
    await ec2.send(
      new DeleteTagsCommand({ Resources: [InstanceId ?? ""], Tags: [{ Key: "PCFName" }] }),
    );
    expect(await particle.getState(context, { maxAgeMs: 0 })).toBe("running");
    expect(particle.currentStateDefinition["InstanceId"]).toBe(InstanceId);
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: [InstanceId ?? ""] }));
    expect(await particle.getState(context, { maxAgeMs: 0 })).toBe("terminated");
  });

  it("resolves $lookup$ values for the image, the subnet and the security groups", async () => {
    const names = {
      image: uniqueName(import.meta.url, "lookup-image"),
      subnet: uniqueName(import.meta.url, "lookup-subnet"),
      group: uniqueName(import.meta.url, "lookup-sg"),
    };
    const { Vpcs = [] } = await ec2.send(
      new DescribeVpcsCommand({ Filters: [{ Name: "is-default", Values: ["true"] }] }),
    );
    const VpcId = Vpcs[0]?.VpcId;
    const { Subnet } = await ec2.send(
      new CreateSubnetCommand({
        VpcId,
        CidrBlock: "172.31.200.0/24",
        TagSpecifications: [
          { ResourceType: "subnet", Tags: [{ Key: "Name", Value: names.subnet }] },
        ],
      }),
    );
    const { GroupId } = await ec2.send(
      new CreateSecurityGroupCommand({ GroupName: names.group, Description: "x", VpcId }),
    );
    const { Instances = [] } = await ec2.send(
      new RunInstancesCommand({ ImageId: AMI, MinCount: 1, MaxCount: 1 }),
    );
    const { ImageId } = await ec2.send(
      new CreateImageCommand({ InstanceId: Instances[0]?.InstanceId, Name: names.image }),
    );

    await instance("lookups", {
      ImageId: `$lookup$ami$${names.image}`,
      SubnetId: `$lookup$subnet$${names.subnet}`,
      SecurityGroupIds: [`$lookup$security_group$${names.group}`],
    }).apply({ providerOptions });
    const live = await only("lookups");
    expect(live.ImageId).toBe(ImageId);
    expect(live.SubnetId).toBe(Subnet?.SubnetId);
    expect(live.SecurityGroups?.map((group) => group.GroupId)).toEqual([GroupId]);
  });

  describe("user data", () => {
    it("renders PCF's Jinja2 template with its parameters, relative to the working directory", async () => {
      // capitalone/Particle-Cloud-Framework examples/particle/aws/ec2/params_to_ec2_userdata/example_userdata.sh.j2
      const template =
        "# Export environment variables\n{% for ENVIRONMENT_VARIABLE in ENVIRONMENT_VARIABLES %}\nexport {{ENVIRONMENT_VARIABLE}}\n{% endfor %}\n\n# Run your code here\necho {{var1}}\necho {{var2}}\n";
      // Inside the working directory: a template path may not climb out of it.
      const directory = await mkdtemp(join(process.cwd(), ".pcf-ec2-"));
      await writeFile(join(directory, "userdata.sh.j2"), template);
      try {
        await instance(
          "template",
          {},
          {
            userdata_template_file: relative(process.cwd(), join(directory, "userdata.sh.j2")),
            userdata_params: {
              ENVIRONMENT_VARIABLES: ["A=1", "B=2"],
              var1: "Hello",
              var2: "World",
            },
            userdata_bash: true,
          },
        ).apply({ providerOptions });
      } finally {
        await rm(directory, { recursive: true, force: true });
      }
      expect(await userDataOf((await only("template")).InstanceId)).toBe(
        "#!/bin/bash\n# Export environment variables\n\nexport A=1\n\nexport B=2\n\n\n# Run your code here\necho Hello\necho World",
      );
    });

    it("launches with PCF's comment line when there is no user data", async () => {
      await instance("no-user-data").apply({ providerOptions });
      expect(await userDataOf((await only("no-user-data")).InstanceId)).toBe(NO_USER_DATA);
    });

    it("prefers UserData to the template, and adds no second shebang", async () => {
      const text = await renderUserData(
        {
          UserData: "#!/bin/sh\necho mine",
          custom_config: { userdata_template_file: "/does/not/exist", userdata_bash: true },
        },
        "ec2_instance:x",
      );
      expect(text).toBe("#!/bin/sh\necho mine");
    });

    it("names the field when the template cannot be read", async () => {
      await expect(
        renderUserData(
          { custom_config: { userdata_template_file: "/does/not/exist.j2" } },
          "ec2_instance:x",
        ),
      ).rejects.toMatchObject({
        code: "DEFINITION_INVALID",
        where: { field: "aws_resource.custom_config.userdata_template_file" },
      });
    });

    it.each([
      ["{{ name }}", { name: "x" }, "x"],
      ["{{ missing }}!", {}, "!"],
      ["{{ a.b[1] }}", { a: { b: ["p", "q"] } }, "q"],
      ["{{ flag }} {{ none }}", { flag: true, none: null }, "True None"],
      ["{% if on %}yes{% else %}no{% endif %}", { on: false }, "no"],
      [
        "{% if mode == 'a' %}A{% elif not mode %}none{% else %}other{% endif %}",
        { mode: "a" },
        "A",
      ],
      ["{%- for x in xs -%} {{ x | upper }} {%- endfor %}", { xs: ["a", "b"] }, "AB"],
      ["{{ xs | join(',') }} {{ y | default('d') }}", { xs: [1, 2] }, "1,2 d"],
      ["{# comment #}line\n", {}, "line"],
    ])("renders %j", (template, params, expected) => {
      expect(renderTemplate(template, params)).toBe(expected);
    });

    it("refuses template syntax it does not support, naming it", () => {
      expect(() => renderTemplate("{{ x | sort }}", { x: [] })).toThrow(/filter "sort"/);
      expect(() => renderTemplate("{% macro m() %}{% endmacro %}", {})).toThrow(/not supported/);
      expect(() => renderTemplate("{% for x in xs %}", { xs: [] })).toThrow(/no endfor/);
    });

    it("waits for the instance to tag itself UserdataFinished, and only when going up", async () => {
      const particle = instance("wait", { UserData: "echo work" }, { userdata_wait: true });
      let tagged: Promise<unknown> | undefined;
      const result = await particle.apply({
        providerOptions,
        onEvent: (event) => {
          // The first poll shows the wait: tag the instance as its script would.
          if (event.type !== "wait.poll" || tagged !== undefined) return;
          tagged = only("wait").then(({ InstanceId }) =>
            ec2.send(
              new CreateTagsCommand({
                Resources: [InstanceId ?? ""],
                Tags: [{ Key: "UserdataFinished", Value: "True" }],
              }),
            ),
          );
        },
      });
      expect(tagged).toBeDefined();
      expect(result.particles[0]).toMatchObject({ outcome: "converged", state: "running" });
      const live = await only("wait");
      const script = await userDataOf(live.InstanceId);
      expect(script.startsWith("#!/bin/bash\necho work\n")).toBe(true);
      expect(script).toMatch(/aws ec2 create-tags .* --tags Key=UserdataFinished,Value=True\n$/);

      // The tag the instance set is not the definition's to remove.
      const again = await instance(
        "wait",
        { UserData: "echo work" },
        { userdata_wait: true, tags: { team: "data" } },
      ).apply({ providerOptions });
      expect(again.particles[0]?.transitions).toEqual(["update"]);
      expect(tagMap((await only("wait")).Tags)).toMatchObject({
        UserdataFinished: "True",
        team: "data",
      });

      // Never waits for the tag when going down.
      await instance("wait-down", {}, { userdata_wait: true }).apply({
        providerOptions,
        desiredState: "stopped",
        onEvent: (event) => {
          if (event.type === "wait.poll") throw new Error("should not wait");
        },
      });
      const down = await instance("wait-down", {}, { userdata_wait: true }).apply({
        providerOptions,
        desiredState: "terminated",
      });
      expect(down.particles[0]?.state).toBe("terminated");
    });
  });

  describe("definitions", () => {
    // From capitalone/Particle-Cloud-Framework examples/particle/aws/ec2/use_ec2_instance/example_ec2_instance.py.
    const example = {
      pcf_name: "ec2-example",
      flavor: "ec2_instance",
      aws_resource: {
        custom_config: {
          instance_name: "my-instance",
          userdata_params: {
            ENVIRONMENT_VARIABLES: ["PROXY=http://proxy.mycompany.com:8080", "ABC=123"],
            VAR1: "hello",
            VAR2: "world",
          },
          userdata_wait: false,
          userdata_bash: true,
          tags: { Name: "pcf-ec2-example", Tag1: "hello", Tag2: "world" },
        },
        ImageId: "ami-11111111",
        InstanceType: "t2.nano",
        KeyName: "my-key",
        MaxCount: 1,
        MinCount: 1,
        SecurityGroupIds: ["sg-11111111", "sg-22222222"],
        SubnetId: "subnet-11111111",
        IamInstanceProfile: { Arn: "arn:aws:iam::111111111111:instance-profile/someRole" },
        BlockDeviceMappings: [
          {
            DeviceName: "/dev/sda1",
            Ebs: { DeleteOnTermination: true, VolumeSize: 20, VolumeType: "gp2" },
          },
        ],
      },
    };

    it("loads PCF's own example definitions unchanged", async () => {
      const { custom_config: config, ...block } = example.aws_resource;
      const definitions = [
        example,
        // examples/particle/aws/ec2/use_callbacks/example_callbacks.py
        {
          ...example,
          pcf_name: "callbacks",
          callbacks: {
            start: { function: () => undefined },
            terminate: { function: (args: { text: string }) => args.text, kwargs: { text: "bye" } },
          },
          aws_resource: {
            ...example.aws_resource,
            custom_config: { ...config, userdata_wait: true },
          },
        },
        // examples/particle/aws/ec2/override_ec2_start_function: extra tags beside custom_config.
        {
          pcf_name: "ec2-test",
          flavor: "ec2_instance",
          aws_resource: {
            ...block,
            custom_config: {
              instance_name: "ec2-test",
              userdata_template_file: "example_userdata.sh.j2",
              userdata_params: { ENVIRONMENT_VARIABLES: ["PROXY=x"], var1: "hello", var2: "world" },
            },
            tags: { TAG1: "HELLO", TAG2: "WORLD" },
          },
        },
        // examples/quasiparticle/aws/simple_webapp/ec2-route53.py: the ec2 member.
        {
          pcf_name: "webapp",
          flavor: "ec2_instance",
          aws_resource: {
            ...block,
            custom_config: { instance_name: "pcf-ec2-test", tags: { OwnerContact: "you@x.com" } },
            UserData: "echo abc123",
          },
        },
        // pcf/test/particle/aws/ec2/test_ebs_volume.py: the ec2 fixture.
        {
          pcf_name: "gg-pcf",
          flavor: "ec2_instance",
          aws_resource: {
            custom_config: { instance_name: "gg-instance" },
            ImageId: "ami-1234567",
            InstanceType: "m4.large",
            KeyName: "secret-key",
            MaxCount: 1,
            MinCount: 1,
            SecurityGroupIds: ["test_sg"],
            SubnetId: "subnet-ab123",
            IamInstanceProfile: {
              Arn: "arn:aws:iam::123456789012:instance-profile/ecsInstanceRole",
            },
            InstanceInitiatedShutdownBehavior: "stop",
            tags: { Test: "Tag" },
          },
        },
      ];
      // Each on its own, as in PCF: two of them name one instance, which one field refuses.
      const particles = [];
      for (const definition of definitions)
        particles.push(...(await loadField(definition)).field.particles);
      expect(particles).toHaveLength(5);
      for (const particle of particles) expect(particle).toBeInstanceOf(Ec2Instance);
    });

    it("applies PCF's example with the account's own network", async () => {
      const name = uniqueName(import.meta.url, "example");
      const {
        KeyName: _key,
        SecurityGroupIds: _groups,
        SubnetId: _subnet,
        IamInstanceProfile: _profile,
        ...block
      } = example.aws_resource;
      const { field } = await loadField([
        {
          ...example,
          aws_resource: {
            ...block,
            ImageId: AMI,
            custom_config: { ...example.aws_resource.custom_config, instance_name: name },
          },
        },
      ]);
      await applyField(field, { providerOptions });
      const live = await only("example");
      expect(live.InstanceType).toBe("t2.nano");
      expect(tagMap(live.Tags)).toEqual({
        PCFName: name,
        Name: "pcf-ec2-example",
        Tag1: "hello",
        Tag2: "world",
        ...OWNERSHIP,
      });
      expect(await userDataOf(live.InstanceId)).toBe(`#!/bin/bash\n${NO_USER_DATA}`);
    });

    it("rejects a definition without its instance_name when constructed", () => {
      expect(
        () =>
          new Ec2Instance({
            pcf_name: "nameless",
            flavor: "ec2_instance",
            aws_resource: { ImageId: AMI, custom_config: { tags: { a: "b" } } },
          }),
      ).toThrow(/unique key aws_resource\.custom_config\.instance_name is required/);
    });

    it("rejects wrong types, unknown fields and several instances, listing every problem", async () => {
      const error = await definitionErrorOf([
        {
          pcf_name: "typed",
          flavor: "ec2_instance",
          aws_resource: {
            ImageId: 42,
            InstanceType: ["t2.micro"],
            SecurityGroupIds: "sg-1",
            MaxCount: 3,
            Colour: "blue",
            custom_config: { instance_name: "typed", userdata_bsh: true },
          },
        },
      ]);
      const fields = error.issues.map((issue) => issue.field);
      expect(fields).toEqual(
        expect.arrayContaining([
          "aws_resource.ImageId",
          "aws_resource.InstanceType",
          "aws_resource.SecurityGroupIds",
          "aws_resource.MaxCount",
          "aws_resource",
          "aws_resource.custom_config",
        ]),
      );
      expect(error.message).toMatch(/unknown field Colour/);
      expect(error.message).toMatch(/unknown field userdata_bsh/);
      expect(error.message).toMatch(/one particle is one instance/);
    });
  });
});
