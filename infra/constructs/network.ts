import { Annotations, Arn, ArnFormat, Stack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { nagRegionAccount } from './nag';
import { deviceAddressIssues, type NetworkConfig } from '../../lambdas/config/network';
import type { DeviceConfig } from '../../lambdas/config/schema';
import { planDeviceEgress } from '../network/egress-rules';
import type { FunctionPlacement } from './runner-function';

export interface DeviceNetworkProps {
  /** The validated `network` section: VPC, subnets (with zones and route tables), endpoint mode. */
  readonly network: NetworkConfig;
  /** The devices the security group lets the Lambdas reach (their API and SSH addresses). */
  readonly devices: readonly DeviceConfig[];
}

/** Outbound rules per security group that AWS allows by default (a quota that can be raised). */
export const DEFAULT_EGRESS_RULE_QUOTA = 60;

/**
 * Where the device-facing Lambdas run when the appliances sit on private networks. The customer's
 * VPC and subnets are imported by id (no lookup, no new VPC); this construct adds:
 * - a security group with no inbound rules and outbound rules only to the configured devices'
 *   ports (planDeviceEgress) and to the AWS endpoints the Lambdas use;
 * - an S3 gateway endpoint on the subnets' route tables (free; the backup data never crosses a NAT),
 *   unless the route tables already have one;
 * - with `endpoints: interface`, a Secrets Manager interface endpoint in the subnets, behind its own
 *   security group that admits HTTPS from the Lambdas only. The device-facing Lambdas call no other
 *   AWS API: logs leave through the Lambda service, not the function's network interface; SSE-KMS
 *   is done by S3 and Secrets Manager themselves, so no KMS endpoint; nor Step Functions (the state
 *   machine invokes them) nor EventBridge (only the dispatcher, outside the VPC, puts events);
 * - with `endpoints: nat`, HTTPS to anywhere (the NAT's way to the AWS APIs' public addresses,
 *   which no prefix list covers), the device ports still limited as above;
 * - the policy the functions' roles need to manage their network interfaces in these subnets.
 */
export class DeviceNetwork extends Construct {
  readonly vpc: ec2.IVpc;
  readonly subnets: readonly ec2.ISubnet[];
  /** The device-facing Lambdas' security group. */
  readonly securityGroup: ec2.SecurityGroup;
  /** The interface endpoints' security group (`endpoints: interface` only). */
  readonly endpointSecurityGroup: ec2.SecurityGroup | undefined;
  /** Network interface management for the functions' roles, limited to these subnets and this security group where EC2 allows. */
  readonly eniPolicy: iam.ManagedPolicy;
  /** What a RunnerFunction takes to run here. */
  readonly placement: FunctionPlacement;

  constructor(scope: Construct, id: string, props: DeviceNetworkProps) {
    super(scope, id);
    const { network } = props;
    // The config schema reports these with field paths already; a construct used on its own still refuses them.
    const issues = deviceAddressIssues(props.devices, network);
    if (!network.vpcId || network.subnetIds.length === 0) throw new Error(`DeviceNetwork ${id}: network.subnetIds need network.vpcId, the VPC that holds them`);
    if (issues.length) throw new Error(`DeviceNetwork ${id}: ${issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    if (network.endpoints === 'interface' && (!network.availabilityZones || !network.s3PrefixListId)) {
      throw new Error(`DeviceNetwork ${id}: endpoints "interface" needs network.availabilityZones and network.s3PrefixListId`);
    }

    const zones = network.availabilityZones;
    this.vpc = ec2.Vpc.fromVpcAttributes(this, 'Vpc', { vpcId: network.vpcId, availabilityZones: zones ? [...new Set(zones)] : [] });
    this.subnets = network.subnetIds.map((subnetId, i) =>
      ec2.Subnet.fromSubnetAttributes(this, `Subnet${i}`, {
        subnetId,
        ...(zones?.[i] !== undefined ? { availabilityZone: zones[i] } : {}),
        ...(network.routeTableIds?.[i] !== undefined ? { routeTableId: network.routeTableIds[i] } : {}),
      }),
    );
    const subnetSelection: ec2.SubnetSelection = { subnets: [...this.subnets] };

    this.securityGroup = new ec2.SecurityGroup(this, 'DeviceFacingSecurityGroup', {
      vpc: this.vpc,
      description: 'backup-runner device-facing Lambdas: outbound to the configured devices and AWS endpoints only, no inbound',
      allowAllOutbound: false,
      allowAllIpv6Outbound: false,
    });
    const deviceRules = planDeviceEgress(network, props.devices);
    for (const rule of deviceRules) {
      const peer = rule.family === 'ipv4' ? ec2.Peer.ipv4(rule.cidr) : ec2.Peer.ipv6(rule.cidr);
      this.securityGroup.addEgressRule(peer, rule.protocol === 'tcp' ? ec2.Port.tcp(rule.port) : ec2.Port.udp(rule.port), rule.description);
    }

    if (network.s3GatewayEndpoint === 'create') {
      new ec2.GatewayVpcEndpoint(this, 'S3GatewayEndpoint', { vpc: this.vpc, service: ec2.GatewayVpcEndpointAwsService.S3, subnets: [subnetSelection] });
    }

    if (network.endpoints === 'interface') {
      // Checked above; the prefix list is the S3 gateway endpoint's destination for the HTTPS rule.
      this.securityGroup.addEgressRule(ec2.Peer.prefixList(network.s3PrefixListId!), ec2.Port.tcp(443), 'tcp/443 to S3 through the gateway endpoint');
      this.endpointSecurityGroup = new ec2.SecurityGroup(this, 'EndpointSecurityGroup', {
        vpc: this.vpc,
        description: 'backup-runner interface endpoints: HTTPS from the device-facing Lambdas only',
        allowAllOutbound: false,
      });
      this.securityGroup.connections.allowTo(this.endpointSecurityGroup, ec2.Port.tcp(443), 'tcp/443 from the device-facing Lambdas to the AWS interface endpoints');
      new ec2.InterfaceVpcEndpoint(this, 'SecretsManagerEndpoint', {
        vpc: this.vpc,
        service: ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER,
        subnets: subnetSelection,
        securityGroups: [this.endpointSecurityGroup],
        // Ingress comes from the rule above, not from the whole VPC's CIDR.
        open: false,
        privateDnsEnabled: true,
      });
    } else {
      this.endpointSecurityGroup = undefined;
      this.securityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'tcp/443 to AWS APIs through the NAT (and S3 through its gateway endpoint)');
    }

    const ruleCount = deviceRules.length + (network.endpoints === 'interface' ? 2 : 1);
    if (ruleCount > DEFAULT_EGRESS_RULE_QUOTA) {
      Annotations.of(this).addWarningV2(
        'backup-runner:egressRuleQuota',
        `the device-facing security group has ${ruleCount} outbound rules, more than the default quota of ${DEFAULT_EGRESS_RULE_QUOTA}: raise "Inbound or outbound rules per security group" in Service Quotas, or set network.egress: device-cidrs`,
      );
    }

    this.eniPolicy = new iam.ManagedPolicy(this, 'NetworkInterfacePolicy', {
      description: 'backup-runner: lets the device-facing Lambdas manage their network interfaces in the configured subnets',
      statements: eniStatements(Stack.of(this), network.subnetIds, this.securityGroup.securityGroupId),
    });
    // cdk-nag (AwsSolutions-IAM5): the two wildcards EC2 leaves no way around.
    const eniReason =
      'Lambda manages its network interfaces with the function role: ec2:DescribeNetworkInterfaces and ec2:DescribeSubnets authorise on "*" only, and the interfaces Lambda creates, deletes and assigns addresses to have ids unknown before deployment; creation is limited to the configured subnets and this security group';
    const { region, account } = nagRegionAccount(this);
    for (const finding of ['Resource::*', `Resource::arn:<AWS::Partition>:ec2:${region}:${account}:network-interface/*`]) {
      Validations.of(this.eniPolicy).acknowledge({ id: `AwsSolutions-IAM5[${finding}]`, reason: eniReason });
    }

    this.placement = { vpc: this.vpc, subnets: this.subnets, securityGroup: this.securityGroup, eniPolicy: this.eniPolicy };
  }
}

/**
 * What AWSLambdaVPCAccessExecutionRole grants for the network interfaces, scoped: CreateNetworkInterface
 * only in the configured subnets and with the runner's security group; the rest on network
 * interfaces of this account and region; the two Describe calls on "*" (they take no resource).
 * Logs stay with AWSLambdaBasicExecutionRole, as for every other function.
 */
function eniStatements(stack: Stack, subnetIds: readonly string[], securityGroupId: string): iam.PolicyStatement[] {
  const ec2Arn = (resource: string, resourceName: string) => Arn.format({ service: 'ec2', resource, resourceName, arnFormat: ArnFormat.SLASH_RESOURCE_NAME }, stack);
  const anyInterface = ec2Arn('network-interface', '*');
  return [
    new iam.PolicyStatement({
      actions: ['ec2:CreateNetworkInterface'],
      resources: [anyInterface, ...subnetIds.map((s) => ec2Arn('subnet', s)), ec2Arn('security-group', securityGroupId)],
    }),
    new iam.PolicyStatement({
      actions: ['ec2:DeleteNetworkInterface', 'ec2:AssignPrivateIpAddresses', 'ec2:UnassignPrivateIpAddresses'],
      resources: [anyInterface],
    }),
    new iam.PolicyStatement({ actions: ['ec2:DescribeNetworkInterfaces', 'ec2:DescribeSubnets'], resources: ['*'] }),
  ];
}
