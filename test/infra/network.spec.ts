import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../lambdas/config/load';
import type { RunnerConfig } from '../../lambdas/config/schema';
import { buildApp } from '../../infra/build-app';
import { DeviceNetwork } from '../../infra/constructs/network';
import { flatten, type Resource, type Resources } from './cfn';
import { synth } from './fixtures';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const HOST_KEY = `SHA256:${'A'.repeat(43)}`;

/** Devices by IP and by name, an SSH landing host, a QRadar console on its own SSH port. */
const DEVICES = [
  { id: 'ar11-lab', type: 'riverbed-npm-v1', url: 'https://10.1.0.5', secret: 'backup-runner/ar11-lab', schedule: { rrule: 'FREQ=DAILY;BYHOUR=2' } },
  { id: 'sw-prod', type: 'storware', url: 'https://10.1.0.6:8181', secret: 'backup-runner/sw-prod', protectedEntities: ['abc'] },
  { id: 'fg-east', type: 'riverbed-flow-gateway', url: 'https://fg-east.corp.example', secret: 'backup-runner/fg-east', landing: { host: '10.0.0.9', path: '/srv/fg', hostKey: HOST_KEY, secret: 'backup-runner/landing' } },
  { id: 'qradar', type: 'qradar', url: 'https://10.2.0.10', secret: 'backup-runner/qradar', ssh: { port: 2022, hostKey: HOST_KEY } },
];
const SUBNETS = ['subnet-0aaaaaaaaaaaaaaaa', 'subnet-0bbbbbbbbbbbbbbbb'];
const BASE_NETWORK = { vpcId: 'vpc-0123456789abcdef0', subnetIds: SUBNETS, availabilityZones: ['us-east-1a', 'us-east-1b'], routeTableIds: ['rtb-0cccccccccccccccc', 'rtb-0cccccccccccccccc'], deviceCidrs: ['10.0.0.0/8'] };
const INTERFACE = { ...BASE_NETWORK, endpoints: 'interface', s3PrefixListId: 'pl-63a5400a' };
const NAT = { ...BASE_NETWORK, endpoints: 'nat' };

const configWith = (network?: Record<string, unknown>): RunnerConfig =>
  parseConfig({ archive: { bucket: 'acme-appliance-backups' }, devices: DEVICES, ...(network ? { network } : {}) });

const DEVICE_FACING = ['StartBackup', 'PollBackup', 'TransferToArchive', 'DeleteDeviceCopy', 'CheckCompatibility', 'UploadToDevice', 'StartRestore', 'PollRestore', 'RemoveUploadedCopy'];
const OUTSIDE = ['PruneArchive', 'DecideRetry', 'ChooseBackup', 'RequestThaw', 'CheckThaw', 'Dispatcher'];

const ofType = (resources: Resources, type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
const functionNamed = (resources: Resources, name: string): Resource => {
  const found = ofType(resources, 'AWS::Lambda::Function').filter(([id]) => new RegExp(`${name}Function[0-9A-F]{8}$`).test(id));
  if (found.length !== 1) throw new Error(`expected one ${name} function, found ${found.map(([id]) => id).join(', ') || 'none'}`);
  return found[0]![1];
};
const idOf = (resources: Resources, type: string, part: string): string => {
  const ids = ofType(resources, type).map(([id]) => id).filter((id) => id.includes(part));
  if (ids.length !== 1) throw new Error(`expected one ${type} with ${part}, found ${ids.join(', ') || 'none'}`);
  return ids[0]!;
};
/** Every egress of the device-facing group, inline or as its own resource, as "proto port -> destination". */
function egressOf(resources: Resources): string[] {
  const sgId = idOf(resources, 'AWS::EC2::SecurityGroup', 'DeviceFacing');
  const inline = (resources[sgId]!.Properties!.SecurityGroupEgress as Record<string, unknown>[]).map((r) => ({ ...r }));
  const separate = ofType(resources, 'AWS::EC2::SecurityGroupEgress')
    .filter(([, r]) => flatten(r.Properties!.GroupId) === `\${${sgId}.GroupId}`)
    .map(([, r]) => r.Properties!);
  return [...inline, ...separate]
    .map((r) => {
      const to = r.CidrIp ?? r.CidrIpv6 ?? r.DestinationPrefixListId ?? flatten(r.DestinationSecurityGroupId);
      return `${String(r.IpProtocol)} ${String(r.FromPort)}-${String(r.ToPort)} -> ${String(to)}`;
    })
    .sort();
}

describe('network: no VPC (no network section)', () => {
  const { template } = synth(configWith());
  const resources = template.toJSON().Resources as Resources;

  it('creates no VPC resource and places no function in a VPC', () => {
    expect(Object.values(resources).filter((r) => r.Type.startsWith('AWS::EC2::'))).toEqual([]);
    for (const [id, fn] of ofType(resources, 'AWS::Lambda::Function')) expect(fn.Properties!.VpcConfig, id).toBeUndefined();
    expect(JSON.stringify(resources)).not.toContain('ec2:CreateNetworkInterface');
  });
});

describe('network: VPC with interface endpoints', () => {
  const { stack, template } = synth(configWith(INTERFACE));
  const resources = template.toJSON().Resources as Resources;
  const sgId = idOf(resources, 'AWS::EC2::SecurityGroup', 'DeviceFacing');
  const endpointSgId = idOf(resources, 'AWS::EC2::SecurityGroup', 'EndpointSecurityGroup');

  it('imports the VPC and subnets by id: it creates no VPC, subnet, route table, NAT or internet gateway', () => {
    for (const type of ['AWS::EC2::VPC', 'AWS::EC2::Subnet', 'AWS::EC2::RouteTable', 'AWS::EC2::NatGateway', 'AWS::EC2::InternetGateway']) {
      expect(ofType(resources, type), type).toEqual([]);
    }
    template.hasResourceProperties('AWS::EC2::SecurityGroup', { VpcId: 'vpc-0123456789abcdef0', GroupDescription: Match.stringLikeRegexp('device-facing') });
  });

  it('lets the device-facing group out only to the devices\' ports, the S3 prefix list and the endpoints\' group', () => {
    expect(egressOf(resources)).toEqual(
      [
        'tcp 443-443 -> 10.0.0.0/8', // fg-east is a name: its API goes to the deviceCidrs
        'tcp 22-22 -> 10.0.0.9/32', // fg-east's landing host
        'tcp 443-443 -> 10.1.0.5/32', // ar11-lab
        'tcp 8181-8181 -> 10.1.0.6/32', // sw-prod on its URL's port
        'tcp 443-443 -> 10.2.0.10/32', // qradar API
        'tcp 2022-2022 -> 10.2.0.10/32', // qradar console SSH
        'tcp 443-443 -> pl-63a5400a', // S3 through the gateway endpoint
        `tcp 443-443 -> \${${endpointSgId}.GroupId}`, // Secrets Manager endpoint
      ].sort(),
    );
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      SecurityGroupEgress: Match.arrayWith([{ CidrIp: '10.0.0.9/32', IpProtocol: 'tcp', FromPort: 22, ToPort: 22, Description: 'tcp/22 to fg-east landing host' }]),
    });
  });

  it('lets nothing in: no inbound rule on the device-facing group; the endpoints\' group admits HTTPS from it alone', () => {
    expect(resources[sgId]!.Properties!.SecurityGroupIngress).toBeUndefined();
    const ingress = ofType(resources, 'AWS::EC2::SecurityGroupIngress').map(([, r]) => r.Properties!);
    expect(ingress.filter((r) => flatten(r.GroupId) === `\${${sgId}.GroupId}`)).toEqual([]);
    expect(ingress).toEqual([
      expect.objectContaining({ GroupId: { 'Fn::GetAtt': [endpointSgId, 'GroupId'] }, SourceSecurityGroupId: { 'Fn::GetAtt': [sgId, 'GroupId'] }, IpProtocol: 'tcp', FromPort: 443, ToPort: 443 }),
    ]);
    expect(resources[endpointSgId]!.Properties!.SecurityGroupIngress).toBeUndefined();
  });

  it('adds a free S3 gateway endpoint to the subnets\' route tables (each once) and one Secrets Manager interface endpoint', () => {
    const endpoints = ofType(resources, 'AWS::EC2::VPCEndpoint').map(([, r]) => r.Properties!);
    expect(endpoints.map((e) => `${String(e.VpcEndpointType ?? 'Interface')} ${flatten(e.ServiceName)}`).sort()).toEqual([
      'Gateway com.amazonaws.${AWS::Region}.s3',
      'Interface com.amazonaws.${AWS::Region}.secretsmanager',
    ]);
    template.hasResourceProperties('AWS::EC2::VPCEndpoint', { VpcEndpointType: 'Gateway', VpcId: 'vpc-0123456789abcdef0', RouteTableIds: ['rtb-0cccccccccccccccc'] });
    template.hasResourceProperties('AWS::EC2::VPCEndpoint', {
      VpcEndpointType: 'Interface',
      PrivateDnsEnabled: true,
      SubnetIds: SUBNETS,
      SecurityGroupIds: [{ 'Fn::GetAtt': [endpointSgId, 'GroupId'] }],
    });
  });

  it.each(DEVICE_FACING)('%s runs in the configured subnets behind the device-facing group', (name) => {
    expect(functionNamed(resources, name).Properties!.VpcConfig).toEqual({ SubnetIds: SUBNETS, SecurityGroupIds: [{ 'Fn::GetAtt': [sgId, 'GroupId'] }] });
  });

  it.each(OUTSIDE)('%s talks to no device and stays outside the VPC', (name) => {
    expect(functionNamed(resources, name).Properties!.VpcConfig).toBeUndefined();
  });

  it('gives the device-facing roles scoped network-interface rights instead of AWSLambdaVPCAccessExecutionRole', () => {
    expect(JSON.stringify(resources)).not.toContain('AWSLambdaVPCAccessExecutionRole');
    const policyId = idOf(resources, 'AWS::IAM::ManagedPolicy', 'NetworkInterfacePolicy');
    const statements = (resources[policyId]!.Properties!.PolicyDocument as { Statement: { Action: string | string[]; Resource: unknown }[] }).Statement.map((s) => ({
      Action: s.Action,
      Resource: (Array.isArray(s.Resource) ? s.Resource : [s.Resource]).map(flatten),
    }));
    const ec2 = (r: string) => `arn:\${AWS::Partition}:ec2:\${AWS::Region}:\${AWS::AccountId}:${r}`;
    expect(statements).toEqual([
      { Action: 'ec2:CreateNetworkInterface', Resource: [ec2('network-interface/*'), ...SUBNETS.map((s) => ec2(`subnet/${s}`)), `${ec2('security-group/')}\${${sgId}.GroupId}`] },
      { Action: ['ec2:DeleteNetworkInterface', 'ec2:AssignPrivateIpAddresses', 'ec2:UnassignPrivateIpAddresses'], Resource: [ec2('network-interface/*')] },
      { Action: ['ec2:DescribeNetworkInterfaces', 'ec2:DescribeSubnets'], Resource: ['*'] },
    ]);
    const rolesWithPolicy = ofType(resources, 'AWS::IAM::Role').filter(([, r]) => JSON.stringify(r.Properties!.ManagedPolicyArns ?? []).includes(policyId));
    const rolesOf = (names: string[]) => names.map((n) => (functionNamed(resources, n).Properties!.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0]).sort();
    expect(rolesWithPolicy.map(([id]) => id).sort()).toEqual(rolesOf(DEVICE_FACING));
  });

  it('warns of nothing at this size (the 60-rule quota is far)', () => {
    Annotations.fromStack(stack).hasNoWarning('*', Match.stringLikeRegexp('outbound rules'));
  });
});

describe('network: VPC with an existing NAT', () => {
  const { template } = synth(configWith(NAT));
  const resources = template.toJSON().Resources as Resources;

  it('creates no interface endpoint and no endpoint group; HTTPS may go anywhere (the AWS APIs behind the NAT), the other device ports still only to the devices', () => {
    expect(ofType(resources, 'AWS::EC2::VPCEndpoint').map(([, r]) => r.Properties!.VpcEndpointType)).toEqual(['Gateway']);
    expect(ofType(resources, 'AWS::EC2::SecurityGroup')).toHaveLength(1);
    expect(egressOf(resources)).toEqual(
      ['tcp 443-443 -> 0.0.0.0/0', 'tcp 443-443 -> 10.0.0.0/8', 'tcp 22-22 -> 10.0.0.9/32', 'tcp 443-443 -> 10.1.0.5/32', 'tcp 8181-8181 -> 10.1.0.6/32', 'tcp 443-443 -> 10.2.0.10/32', 'tcp 2022-2022 -> 10.2.0.10/32'].sort(),
    );
  });

  it('still places exactly the device-facing functions in the subnets', () => {
    const inVpc = ofType(resources, 'AWS::Lambda::Function').filter(([, r]) => r.Properties!.VpcConfig !== undefined);
    expect(inVpc).toHaveLength(DEVICE_FACING.length);
    for (const name of DEVICE_FACING) expect(functionNamed(resources, name).Properties!.VpcConfig).toMatchObject({ SubnetIds: SUBNETS });
  });

  it('adds no S3 gateway endpoint when the route tables already have one', () => {
    const { template: existing } = synth(configWith({ ...NAT, routeTableIds: undefined, s3GatewayEndpoint: 'existing' }));
    existing.resourceCountIs('AWS::EC2::VPCEndpoint', 0);
    existing.resourceCountIs('AWS::EC2::SecurityGroup', 1);
  });
});

describe('network: synth refuses', () => {
  it('subnets without a VPC and a device address that is no address, naming the fields (cdk synth through infra/app.ts)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'backup-runner-network-'));
    const file = join(dir, 'bad-network.yaml');
    writeFileSync(
      file,
      `archive: { prefix: backups/ }
network: { subnetIds: [subnet-0aaaaaaaaaaaaaaaa], endpoints: nat, s3GatewayEndpoint: existing }
devices:
  - { id: fg-east, type: riverbed-flow-gateway, url: https://10.1.0.5, secret: s,
      landing: { host: "10.0.0.9:22", path: /srv, hostKey: "${HOST_KEY}", secret: l } }
`,
    );
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'infra/app.ts'], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', CDK_CONTEXT_JSON: JSON.stringify({ 'aws:cdk:bundling-stacks': [] }), BACKUP_RUNNER_CONFIG: file },
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('network.vpcId: is required: the id of the VPC that holds network.subnetIds (vpc-...)');
    expect(result.stderr).toContain('devices[0].landing.host: must be an IP address or a host name, e.g. 10.0.0.9 or filer.example.net (no port, scheme or path)');
    expect(result.stderr).not.toMatch(/\n\s+at /); // a plain message, no stack trace
  });

  it('a device name the security group cannot express, when the construct is used on its own', () => {
    const valid = configWith(NAT);
    const named = { ...valid.devices[0]!, url: 'https://ar11.corp.example' };
    const stack = new Stack(new App());
    expect(() => new DeviceNetwork(stack, 'Net', { network: { ...valid.network!, deviceCidrs: undefined }, devices: [named] })).toThrow(
      /DeviceNetwork Net: devices\.0\.url: ar11-lab: "ar11\.corp\.example" is a host name, and a security group allows CIDRs, not names/,
    );
  });

  it('warns when the rules outgrow the default quota of 60', () => {
    const many = Array.from({ length: 61 }, (_, i) => ({ id: `ar-${i}`, type: 'riverbed-npm-v1', url: `https://10.3.0.${i + 1}`, secret: 'backup-runner/s' }));
    const config = parseConfig({ archive: { bucket: 'acme-appliance-backups' }, devices: many, network: NAT });
    const stack = new Stack(new App());
    new DeviceNetwork(stack, 'Net', { network: config.network!, devices: config.devices });
    Annotations.fromStack(stack).hasWarning('/Default/Net', Match.stringLikeRegexp('62 outbound rules, more than the default quota of 60.*network.egress: device-cidrs'));
  });
});

describe('network: cdk-nag', () => {
  /** Unacknowledged findings of both packs as `<rule> <construct path>` lines (as test/infra/nag.spec.ts reads them). */
  function nagFindings(config: RunnerConfig): string[] {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    Validations.of(app).addPlugins(new ServerlessChecks(app));
    buildApp(config, { app });
    try {
      app.synth();
      return [];
    } catch (error) {
      const message = String((error as Error).message);
      const findings = [...message.matchAll(/^\s+(\S+) \S+\n\s+Acknowledge with '([^']+)'/gm)].map((m) => `${m[2]} ${m[1]}`);
      return findings.length ? findings : [message.slice(0, 4000)];
    }
  }

  it.each([
    ['interface endpoints', INTERFACE],
    ['NAT', NAT],
  ])('AwsSolutions and Serverless find nothing unacknowledged with a VPC and %s', (_, network) => {
    expect(nagFindings(configWith(network))).toEqual([]);
  });
});
