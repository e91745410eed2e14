import {
  ActionOnFailure,
  ComputeLimitsUnitType,
  InstanceFleetType,
  InstanceRoleType,
  MarketType,
  ScaleDownBehavior,
} from "@aws-sdk/client-emr";
import * as z from "zod";
import { awsCustomConfigSchema, regionNameSchema } from "../resource.js";
import { tagInputSchema } from "../tags.js";

/** RunJobFlow's parameters as an `emr_cluster` definition writes them (see `EmrCluster`). */

/** An EMR configuration: `{ Classification, Properties, Configurations }`, nested. */
export interface EmrConfiguration {
  Classification?: string | undefined;
  Properties?: Record<string, string> | undefined;
  Configurations?: EmrConfiguration[] | undefined;
}

/** `[{ Classification, Properties, Configurations }]`: settings of the applications. */
const configurationsSchema: z.ZodType<EmrConfiguration[]> = z.array(
  z.strictObject({
    /** The settings file (`spark-defaults`, `core-site`). */
    Classification: z.string().min(1).optional(),
    /** Its settings. Default: none. */
    Properties: z.record(z.string(), z.string()).optional(),
    /** Nested configurations. Default: none. */
    get Configurations() {
      return configurationsSchema.optional();
    },
  }),
);

/** `{ EbsBlockDeviceConfigs, EbsOptimized }`: the EBS volumes of each instance. */
const ebsConfigurationSchema = z.strictObject({
  /** `[{ VolumeSpecification: { VolumeType, SizeInGB, Iops, Throughput }, VolumesPerInstance }]`. */
  EbsBlockDeviceConfigs: z
    .array(
      z.strictObject({
        VolumeSpecification: z.strictObject({
          VolumeType: z.string().min(1),
          SizeInGB: z.int().min(1),
          Iops: z.int().min(1).optional(),
          Throughput: z.int().min(1).optional(),
        }),
        VolumesPerInstance: z.int().min(1).optional(),
      }),
    )
    .optional(),
  /** EBS-optimized instances. Default: the instance type's. */
  EbsOptimized: z.boolean().optional(),
});

/** One instance group of RunJobFlow's `Instances.InstanceGroups`. */
export const instanceGroupSchema = z.strictObject({
  /** The group's name; TASK groups are told apart by it (MASTER and CORE by their role). */
  Name: z.string().min(1).optional(),
  /** `MASTER`, `CORE` or `TASK`. Required. */
  InstanceRole: z.enum(InstanceRoleType),
  /** `ON_DEMAND` or `SPOT`. Default: `ON_DEMAND`. Fixed at creation. */
  Market: z.enum(MarketType).optional(),
  /** The Spot bid in USD. Default: the On-Demand price. Fixed at creation. */
  BidPrice: z.string().min(1).optional(),
  /** The EC2 instance type. Required. Fixed at creation. */
  InstanceType: z.string().min(1),
  /** How many instances. Required. Changes in place (ModifyInstanceGroups). */
  InstanceCount: z.int().min(0),
  /** The group's application settings. Default: none. Sent at creation, not compared. */
  Configurations: configurationsSchema.optional(),
  /** The group's EBS volumes. Default: EMR's. Sent at creation, not compared. */
  EbsConfiguration: ebsConfigurationSchema.optional(),
  /** The group's own AMI. Default: the cluster's. Sent at creation, not compared. */
  CustomAmiId: z.string().min(1).optional(),
});

/** One instance fleet of RunJobFlow's `Instances.InstanceFleets`. */
export const instanceFleetSchema = z.strictObject({
  /** The fleet's name. Default: none. */
  Name: z.string().min(1).optional(),
  /** `MASTER`, `CORE` or `TASK`: a cluster has at most one fleet of each. Required. */
  InstanceFleetType: z.enum(InstanceFleetType),
  /** On-Demand capacity units. Default: 0. Changes in place (ModifyInstanceFleet). */
  TargetOnDemandCapacity: z.int().min(0).optional(),
  /** Spot capacity units. Default: 0. Changes in place (ModifyInstanceFleet). */
  TargetSpotCapacity: z.int().min(0).optional(),
  /** `[{ InstanceType, WeightedCapacity, BidPrice, … }]`. Sent at creation, not compared. */
  InstanceTypeConfigs: z
    .array(
      z.strictObject({
        InstanceType: z.string().min(1),
        WeightedCapacity: z.int().min(1).optional(),
        BidPrice: z.string().min(1).optional(),
        BidPriceAsPercentageOfOnDemandPrice: z.number().min(0).optional(),
        EbsConfiguration: ebsConfigurationSchema.optional(),
        Configurations: configurationsSchema.optional(),
        CustomAmiId: z.string().min(1).optional(),
      }),
    )
    .optional(),
});

/** RunJobFlow's `Instances`: the instances, their network and whether the cluster waits. */
const instancesSchema = z.strictObject({
  /** The master's type, with no groups or fleets. Sent at creation, not compared. */
  MasterInstanceType: z.string().min(1).optional(),
  /** The core nodes' type, with no groups or fleets. Sent at creation, not compared. */
  SlaveInstanceType: z.string().min(1).optional(),
  /** How many instances in all, with no groups or fleets. Sent at creation, not compared. */
  InstanceCount: z.int().min(1).optional(),
  /**
   * The instance groups, told apart by role (TASK ones by `Name`): their counts change in place,
   * the rest (and which groups there are) is fixed at creation.
   */
  InstanceGroups: z.array(instanceGroupSchema).optional(),
  /** The instance fleets, told apart by type: their target capacities change in place, the rest is fixed. */
  InstanceFleets: z.array(instanceFleetSchema).optional(),
  /** The EC2 key pair for SSH. Default: none. Fixed at creation. */
  Ec2KeyName: z.string().min(1).optional(),
  /** The subnet of the instances. Default: EC2-Classic or the default VPC. Fixed at creation. */
  Ec2SubnetId: z.string().min(1).optional(),
  /** `{ AvailabilityZone }`. Default: EMR's choice. Sent at creation, not compared. */
  Placement: z.strictObject({ AvailabilityZone: z.string().min(1).optional() }).optional(),
  /** Keep the cluster when its steps end. Default false: it terminates itself. Fixed at creation. */
  KeepJobFlowAliveWhenNoSteps: z.boolean().optional(),
  /** Refuse TerminateJobFlows (and so terminate). Default false. Fixed at creation. */
  TerminationProtected: z.boolean().optional(),
  /** The Hadoop version (AMI releases before 4). Sent at creation, not compared. */
  HadoopVersion: z.string().min(1).optional(),
  /** The master's EMR-managed security group. Default: made by EMR. Fixed at creation. */
  EmrManagedMasterSecurityGroup: z.string().min(1).optional(),
  /** The core and task nodes' EMR-managed security group. Default: made by EMR. Fixed at creation. */
  EmrManagedSlaveSecurityGroup: z.string().min(1).optional(),
  /** The service access security group (private subnets). Default: made by EMR. Fixed at creation. */
  ServiceAccessSecurityGroup: z.string().min(1).optional(),
  /** More security groups of the master. Default: none. Fixed at creation. */
  AdditionalMasterSecurityGroups: z.array(z.string().min(1)).optional(),
  /** More security groups of the other nodes. Default: none. Fixed at creation. */
  AdditionalSlaveSecurityGroups: z.array(z.string().min(1)).optional(),
});

/** The `aws_resource` block of an `emr_cluster` particle: RunJobFlow's parameters. */
export const emrClusterSchema = z.strictObject({
  /** The cluster's name. Required: it is the unique key among active clusters. */
  Name: z.string().min(1).max(256),
  /** The S3 folder of the logs. Default: none. Fixed at creation. */
  LogUri: z.string().min(1).optional(),
  /** The KMS key of the logs. Default: none. Sent at creation, not compared. */
  LogEncryptionKmsKeyId: z.string().min(1).optional(),
  /** JSON of extra settings. Sent at creation, not compared. */
  AdditionalInfo: z.string().optional(),
  /** The AMI version (before EMR 4). Sent at creation, not compared. */
  AmiVersion: z.string().min(1).optional(),
  /** The EMR release (`emr-7.1.0`). Default: EMR's. Fixed at creation. */
  ReleaseLabel: z.string().min(1).optional(),
  /** The instances (see `instancesSchema`). Required. */
  Instances: instancesSchema,
  /** `[{ Name, ActionOnFailure, HadoopJarStep: { Jar, MainClass, Args, Properties } }]`: run once, not compared. */
  Steps: z
    .array(
      z.strictObject({
        Name: z.string().min(1),
        ActionOnFailure: z.enum(ActionOnFailure).optional(),
        HadoopJarStep: z.strictObject({
          Jar: z.string().min(1),
          MainClass: z.string().min(1).optional(),
          Args: z.array(z.string()).optional(),
          Properties: z
            .array(z.strictObject({ Key: z.string().optional(), Value: z.string().optional() }))
            .optional(),
        }),
      }),
    )
    .optional(),
  /** `[{ Name, ScriptBootstrapAction: { Path, Args } }]`: run at start, not compared. */
  BootstrapActions: z
    .array(
      z.strictObject({
        Name: z.string().min(1),
        ScriptBootstrapAction: z.strictObject({
          Path: z.string().min(1),
          Args: z.array(z.string()).optional(),
        }),
      }),
    )
    .optional(),
  /** Third-party products (before EMR 4). Sent at creation, not compared. */
  SupportedProducts: z.array(z.string().min(1)).optional(),
  /** `[{ Name, Version, Args, AdditionalInfo }]`: the applications (`Spark`). Sent at creation, not compared. */
  Applications: z
    .array(
      z.strictObject({
        Name: z.string().min(1).optional(),
        Version: z.string().min(1).optional(),
        Args: z.array(z.string()).optional(),
        AdditionalInfo: z.record(z.string(), z.string()).optional(),
      }),
    )
    .optional(),
  /** The applications' settings. Sent at creation, not compared. */
  Configurations: configurationsSchema.optional(),
  /** Deprecated by AWS (always true now). Sent at creation, not compared. */
  VisibleToAllUsers: z.boolean().optional(),
  /** The instance profile of the instances (name or ARN), compared by name. Default: `EMR_EC2_DefaultRole`. Fixed at creation. */
  JobFlowRole: z.string().min(1).optional(),
  /** The role EMR acts with (name or ARN), compared by name. Fixed at creation. */
  ServiceRole: z.string().min(1).optional(),
  /**
   * The cluster's whole tag set, as `[{ Key, Value }]` (RunJobFlow's form) or a map. Tags not
   * listed are removed on update; the ownership tag is always kept. Default: not compared.
   */
  Tags: tagInputSchema.optional(),
  /** The security configuration's name. Default: none. Fixed at creation. */
  SecurityConfiguration: z.string().min(1).optional(),
  /** The role of automatic scaling. Default: none. Sent at creation, not compared. */
  AutoScalingRole: z.string().min(1).optional(),
  /** `TERMINATE_AT_INSTANCE_HOUR` or `TERMINATE_AT_TASK_COMPLETION`. Sent at creation, not compared. */
  ScaleDownBehavior: z.enum(ScaleDownBehavior).optional(),
  /** The cluster's own AMI. Default: Amazon Linux. Fixed at creation. */
  CustomAmiId: z.string().min(1).optional(),
  /** The root volume's size in GiB. Default: EMR's. Fixed at creation. */
  EbsRootVolumeSize: z.int().min(1).optional(),
  /** How many steps run at once. Default 1. Sent at creation, not compared. */
  StepConcurrencyLevel: z.int().min(1).max(256).optional(),
  /** `{ IdleTimeout }` in seconds: terminate when idle. Default: none. Sent at creation, not compared. */
  AutoTerminationPolicy: z.strictObject({ IdleTimeout: z.int().min(60).optional() }).optional(),
  /** `{ ComputeLimits }`: managed scaling. Default: none. Sent at creation, not compared. */
  ManagedScalingPolicy: z
    .strictObject({
      ComputeLimits: z.strictObject({
        UnitType: z.enum(ComputeLimitsUnitType),
        MinimumCapacityUnits: z.int().min(1),
        MaximumCapacityUnits: z.int().min(1),
        MaximumOnDemandCapacityUnits: z.int().min(0).optional(),
        MaximumCoreCapacityUnits: z.int().min(0).optional(),
      }),
    })
    .optional(),
  /** The Amazon Linux release of the instances. Sent at creation, not compared. */
  OSReleaseLabel: z.string().min(1).optional(),
  /** The cluster's region. Default: `providerOptions.aws.region`, `AWS_REGION`, `AWS_DEFAULT_REGION`. */
  region_name: regionNameSchema,
  custom_config: z
    .strictObject({
      ...awsCustomConfigSchema.shape,
      /** PCF's place for the tags (a map or `[{ Key, Value }]`), merged under `Tags`. Default: none. */
      Tags: tagInputSchema.optional(),
    })
    .optional(),
});

/** What a user writes in the `aws_resource` block of an `emr_cluster` particle. */
export type EmrClusterDefinition = z.infer<typeof emrClusterSchema>;
