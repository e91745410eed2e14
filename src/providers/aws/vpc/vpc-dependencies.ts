import {
  DescribeInternetGatewaysCommand,
  DescribeNatGatewaysCommand,
  DescribeNetworkInterfacesCommand,
  DescribeRouteTablesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVpcEndpointsCommand,
  type EC2Client,
  type Tag,
} from "@aws-sdk/client-ec2";
import { PCF_NAME_TAG } from "../tags.js";

/** The actions {@link describeVpcDependents} calls. @internal */
export const VPC_DEPENDENTS_ACTIONS = [
  "ec2:DescribeSubnets",
  "ec2:DescribeSecurityGroups",
  "ec2:DescribeInternetGateways",
  "ec2:DescribeRouteTables",
  "ec2:DescribeNatGateways",
  "ec2:DescribeNetworkInterfaces",
  "ec2:DescribeVpcEndpoints",
];

/**
 * What keeps a VPC from being deleted, one line each (`subnet subnet-0ab (web-a)`): its subnets,
 * security groups other than the default one, attached internet gateways, route tables other
 * than the main one, NAT gateways, network interfaces and endpoints. A diagnosis for an error
 * message: a listing that fails is left out rather than hiding the delete's own error.
 * @internal
 */
export async function describeVpcDependents(
  client: EC2Client,
  vpcId: string,
  abortSignal: AbortSignal,
): Promise<string[]> {
  const byVpc = [{ Name: "vpc-id", Values: [vpcId] }];
  const options = { abortSignal };
  const listings = await Promise.allSettled([
    client
      .send(new DescribeSubnetsCommand({ Filters: byVpc }), options)
      .then(({ Subnets = [] }) => Subnets.map((item) => label("subnet", item.SubnetId, item.Tags))),
    client
      .send(new DescribeSecurityGroupsCommand({ Filters: byVpc }), options)
      .then(({ SecurityGroups = [] }) =>
        SecurityGroups.filter((group) => group.GroupName !== "default").map(
          (group) => `security group ${group.GroupId ?? "?"} (${group.GroupName ?? "?"})`,
        ),
      ),
    client
      .send(
        new DescribeInternetGatewaysCommand({
          Filters: [{ Name: "attachment.vpc-id", Values: [vpcId] }],
        }),
        options,
      )
      .then(({ InternetGateways = [] }) =>
        InternetGateways.map((item) =>
          label("internet gateway", item.InternetGatewayId, item.Tags),
        ),
      ),
    client
      .send(new DescribeRouteTablesCommand({ Filters: byVpc }), options)
      .then(({ RouteTables = [] }) =>
        RouteTables.filter((table) => !(table.Associations ?? []).some((link) => link.Main)).map(
          (table) => label("route table", table.RouteTableId, table.Tags),
        ),
      ),
    client
      .send(
        new DescribeNatGatewaysCommand({
          Filter: [...byVpc, { Name: "state", Values: ["pending", "available", "deleting"] }],
        }),
        options,
      )
      .then(({ NatGateways = [] }) =>
        NatGateways.map((item) => label("NAT gateway", item.NatGatewayId, item.Tags)),
      ),
    client
      .send(new DescribeNetworkInterfacesCommand({ Filters: byVpc }), options)
      .then(({ NetworkInterfaces = [] }) =>
        NetworkInterfaces.map(
          (item) =>
            `network interface ${item.NetworkInterfaceId ?? "?"}` +
            (item.Description === undefined || item.Description === ""
              ? ""
              : ` (${item.Description})`),
        ),
      ),
    client
      .send(new DescribeVpcEndpointsCommand({ Filters: byVpc }), options)
      .then(({ VpcEndpoints = [] }) =>
        VpcEndpoints.map((item) => label("endpoint", item.VpcEndpointId, item.Tags)),
      ),
  ]);
  return listings.flatMap((listing) => (listing.status === "fulfilled" ? listing.value : []));
}

/** `subnet subnet-0ab (web-a)`: the kind, the id and the Name or PCFName tag when there is one. */
function label(kind: string, id: string | undefined, tags: readonly Tag[] | undefined): string {
  const name =
    tags?.find((tag) => tag.Key === "Name")?.Value ??
    tags?.find((tag) => tag.Key === PCF_NAME_TAG)?.Value;
  return `${kind} ${id ?? "?"}${name === undefined || name === "" ? "" : ` (${name})`}`;
}
