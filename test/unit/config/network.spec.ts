import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../lambdas/common/errors';
import { parseConfig } from '../../../lambdas/config/load';
import { deviceAddresses, hostKind, ipInCidrs, parseCidr, type Cidr } from '../../../lambdas/config/network';
import type { DeviceConfig } from '../../../lambdas/config/schema';

const HOST_KEY = `SHA256:${'A'.repeat(43)}`;
const NPM_V1 = { id: 'ar11', type: 'riverbed-npm-v1', url: 'https://10.1.0.5', secret: 'backup-runner/ar11' };
/** A VPC with NAT and an existing S3 gateway endpoint: the fewest fields a network section takes. */
const NAT = { vpcId: 'vpc-0123456789abcdef0', subnetIds: ['subnet-01234567'], endpoints: 'nat', s3GatewayEndpoint: 'existing' };
const INTERFACE = {
  vpcId: 'vpc-0123456789abcdef0',
  subnetIds: ['subnet-01234567', 'subnet-89abcdef'],
  availabilityZones: ['us-east-1a', 'us-east-1b'],
  routeTableIds: ['rtb-01234567', 'rtb-01234567'],
  s3PrefixListId: 'pl-63a5400a',
};

function issuesOf(raw: Record<string, unknown>): string[] {
  try {
    parseConfig({ archive: { bucket: 'acme-backups' }, devices: [NPM_V1], ...raw });
  } catch (error) {
    if (error instanceof ConfigError) return [...error.issues];
    throw error;
  }
  return [];
}

describe('network config', () => {
  it('is optional: no network, no VPC', () => {
    expect(parseConfig({ archive: { bucket: 'acme-backups' }, devices: [NPM_V1] }).network).toBeUndefined();
  });

  it('fills the defaults: interface endpoints, a created S3 gateway endpoint, per-device egress', () => {
    const config = parseConfig({ archive: { bucket: 'acme-backups' }, devices: [NPM_V1], network: INTERFACE });
    expect(config.network).toEqual({ ...INTERFACE, endpoints: 'interface', s3GatewayEndpoint: 'create', egress: 'per-device' });
  });

  it.each([
    ['subnets without a VPC', { network: { subnetIds: ['subnet-01234567'], endpoints: 'nat', s3GatewayEndpoint: 'existing' } }, 'network.vpcId: is required: the id of the VPC that holds network.subnetIds (vpc-...)'],
    ['a VPC without subnets', { network: { vpcId: 'vpc-01234567', endpoints: 'nat', s3GatewayEndpoint: 'existing' } }, 'network.subnetIds: must list the subnets'],
    ['an empty subnet list', { network: { ...NAT, subnetIds: [] } }, 'network.subnetIds: must list at least one subnet'],
    ['a misspelt subnet id', { network: { ...NAT, subnetIds: ['sub-01234567'] } }, 'network.subnetIds[0]: must be the id of a subnet: "subnet-" and 8 or 17 hex digits'],
    ['a subnet twice', { network: { ...NAT, subnetIds: ['subnet-01234567', 'subnet-01234567'] } }, 'network.subnetIds: must not list a subnet twice'],
    ['zones that do not match the subnets', { network: { ...INTERFACE, availabilityZones: ['us-east-1a'] } }, 'network.availabilityZones: must name one zone per subnet, in the order of network.subnetIds (2), not 1'],
    ['interface endpoints without zones', { network: { ...INTERFACE, availabilityZones: undefined } }, 'network.availabilityZones: is required with endpoints "interface"'],
    ['interface endpoints without the S3 prefix list', { network: { ...INTERFACE, s3PrefixListId: undefined } }, 'network.s3PrefixListId: is required with endpoints "interface"'],
    ['a created S3 gateway endpoint without route tables', { network: { ...NAT, s3GatewayEndpoint: 'create' } }, 'network.routeTableIds: is required to create the S3 gateway endpoint'],
    ['route tables that do not match the subnets', { network: { ...INTERFACE, routeTableIds: ['rtb-01234567'] } }, 'network.routeTableIds: must name one route table per subnet'],
    ['an unknown endpoint mode', { network: { ...NAT, endpoints: 'proxy' } }, 'network.endpoints: must be "interface" (create VPC interface endpoints) or "nat"'],
    ['a CIDR with host bits', { network: { ...NAT, deviceCidrs: ['10.0.0.1/8'] } }, 'network.deviceCidrs[0]: must be a CIDR block such as 10.20.0.0/16'],
    ['egress to device CIDRs without any', { network: { ...NAT, egress: 'device-cidrs' } }, 'network.deviceCidrs: is required with egress "device-cidrs"'],
    ['a DNS server that is not an IP', { network: { ...NAT, dnsServers: ['dns.corp'] } }, 'network.dnsServers[0]: must be an IPv4 or IPv6 address'],
    ['a misspelt field', { network: { ...NAT, subnetId: 'subnet-01234567' } }, 'network: unknown field "subnetId"'],
  ])('refuses %s, naming the field', (_, raw, expected) => {
    const issues = issuesOf(raw);
    expect(issues.some((i) => i.startsWith(expected)), issues.join('\n')).toBe(true);
  });

  it.each([
    ['a landing host that is a mistyped IPv4 address', { ...NPM_V1, id: 'fg', type: 'riverbed-flow-gateway', landing: { host: '10.0.0.300', path: '/srv', hostKey: HOST_KEY, secret: 'backup-runner/l' } }, undefined, 'devices[0].landing.host: must be an IP address or a host name, e.g. 10.0.0.9 or filer.example.net (no port, scheme or path)'],
    ['a filer host with a port in it', { ...NPM_V1, id: 'ar12', type: 'riverbed-npm-v2', server: { name: 'f', host: '10.0.0.9:22', path: '/srv', hostKey: HOST_KEY, secret: 'backup-runner/l' } }, undefined, 'devices[0].server.host: must be an IP address or a host name'],
    ['a URL host that starts with a hyphen', { ...NPM_V1, url: 'https://-ar11.example.net' }, undefined, 'devices[0].url: must be an http:// or https:// URL with a host'],
    ['an unparsable URL beside a network section (reported, no crash)', { ...NPM_V1, url: 'ar11 lab' }, NAT, 'devices[0].url: must be an http:// or https:// URL with a host'],
    ['a loopback device with a VPC', { ...NPM_V1, url: 'https://127.0.0.1:8443' }, NAT, 'devices[0].url: ar11: 127.0.0.1 is a loopback, link-local, multicast or reserved address'],
    ['a link-local IPv6 device with a VPC', { ...NPM_V1, url: 'https://[fe80::1]' }, NAT, 'devices[0].url: ar11: fe80::1 is a link-local address'],
    ['a host name with a VPC but no deviceCidrs', { ...NPM_V1, url: 'https://ar11.example.net' }, NAT, 'devices[0].url: ar11: "ar11.example.net" is a host name, and a security group allows CIDRs, not names: list the management network(s) it resolves to in network.deviceCidrs'],
    ['an IP outside every deviceCidrs block', NPM_V1, { ...NAT, deviceCidrs: ['192.168.0.0/16', '172.16.0.0/12'] }, 'devices[0].url: ar11: 10.1.0.5 lies outside every network.deviceCidrs block (192.168.0.0/16, 172.16.0.0/12)'],
  ])('refuses %s', (_, device, network, expected) => {
    const issues = issuesOf({ devices: [device], ...(network ? { network } : {}) });
    expect(issues.some((i) => i.startsWith(expected)), issues.join('\n')).toBe(true);
  });

  it('takes loopback devices without a VPC (local runs) and names covered by deviceCidrs with one', () => {
    expect(issuesOf({ devices: [{ ...NPM_V1, url: 'https://127.0.0.1:8443' }] })).toEqual([]);
    expect(issuesOf({ devices: [{ ...NPM_V1, url: 'https://ar11.example.net' }], network: { ...NAT, deviceCidrs: ['10.0.0.0/8'] } })).toEqual([]);
    expect(issuesOf({ devices: [{ ...NPM_V1, url: 'https://[fd00::5]:8443' }], network: { ...NAT, deviceCidrs: ['fd00::/8'] } })).toEqual([]);
  });
});

describe('hostKind', () => {
  it.each([
    ['10.0.0.9', 'ipv4'],
    ['fd00::5', 'ipv6'],
    ['ar11.example.net', 'name'],
    ['ar11', 'name'],
    ['filer_01.corp.local', 'name'],
    ['ar11.example.net.', 'name'],
    ['10.0.0.300', undefined],
    ['10.0.0', undefined],
    ['ar11.example.net:443', undefined],
    ['https://ar11', undefined],
    ['ar 11', undefined],
    ['-ar11', undefined],
    ['a..b', undefined],
    [`${'a'.repeat(64)}.net`, undefined],
  ])('%s is %s', (host, kind) => {
    expect(hostKind(host)).toBe(kind);
  });
});

describe('parseCidr and ipInCidrs', () => {
  it.each([
    ['10.0.0.0/8', { family: 'ipv4', address: '10.0.0.0', prefix: 8, text: '10.0.0.0/8' }],
    ['10.1.2.3/32', { family: 'ipv4', address: '10.1.2.3', prefix: 32, text: '10.1.2.3/32' }],
    ['fd00:10::/64', { family: 'ipv6', address: 'fd00:10::', prefix: 64, text: 'fd00:10::/64' }],
    ['10.0.0.1/8', undefined],
    ['fd00::1/64', undefined],
    ['10.0.0.0/33', undefined],
    ['10.0.0.0', undefined],
    ['ar11/24', undefined],
  ])('%s', (text, expected) => {
    expect(parseCidr(text)).toEqual(expected);
  });

  it('tells whether an IP lies in a block', () => {
    const cidrs = ['10.20.0.0/16', 'fd00::/8'].map((c) => parseCidr(c)!) as Cidr[];
    expect(ipInCidrs('10.20.255.1', cidrs)).toBe(true);
    expect(ipInCidrs('10.21.0.1', cidrs)).toBe(false);
    expect(ipInCidrs('fd12::1', cidrs)).toBe(true);
    expect(ipInCidrs('fe80::1', cidrs)).toBe(false);
  });
});

describe('deviceAddresses', () => {
  const parse = (device: Record<string, unknown>): DeviceConfig => parseConfig({ archive: { bucket: 'acme-backups' }, devices: [device] }).devices[0]!;

  it.each([
    ['npm v1 on the default HTTPS port', NPM_V1, [{ host: '10.1.0.5', port: 443, service: 'https', role: 'api', field: ['url'] }]],
    ['storware on 8181', { id: 'sw', type: 'storware', url: 'https://10.1.0.6:8181', secret: 'backup-runner/s', protectedEntities: ['abc'] }, [{ host: '10.1.0.6', port: 8181, service: 'https', role: 'api', field: ['url'] }]],
    ['an http URL on port 80', { ...NPM_V1, url: 'http://ar11.lab', allowInsecureHttp: true }, [{ host: 'ar11.lab', port: 80, service: 'http', role: 'api', field: ['url'] }]],
    ['an IPv6 URL', { ...NPM_V1, url: 'https://[fd00::5]:8443' }, [{ host: 'fd00::5', port: 8443, service: 'https', role: 'api', field: ['url'] }]],
    [
      'a flow gateway and its landing host',
      { ...NPM_V1, id: 'fg', type: 'riverbed-flow-gateway', url: 'https://fg.corp', landing: { host: '10.0.0.9', port: 2222, path: '/srv', hostKey: HOST_KEY, secret: 'backup-runner/l' } },
      [
        { host: 'fg.corp', port: 443, service: 'https', role: 'api', field: ['url'] },
        { host: '10.0.0.9', port: 2222, service: 'ssh', role: 'landing host', field: ['landing', 'host'] },
      ],
    ],
    [
      'an npm v2 device and its remote filer',
      { ...NPM_V1, id: 'ar12', type: 'riverbed-npm-v2', server: { name: 'f', host: 'filer.corp', path: '/srv', hostKey: HOST_KEY, secret: 'backup-runner/l' } },
      [
        { host: '10.1.0.5', port: 443, service: 'https', role: 'api', field: ['url'] },
        { host: 'filer.corp', port: 22, service: 'ssh', role: 'filer', field: ['server', 'host'] },
      ],
    ],
    ['an npm v2 device with a local server: HTTPS only', { ...NPM_V1, id: 'ar12', type: 'riverbed-npm-v2', server: { name: 'local', local: true } }, [{ host: '10.1.0.5', port: 443, service: 'https', role: 'api', field: ['url'] }]],
    [
      'a QRadar console: HTTPS and SSH on the same host',
      { ...NPM_V1, id: 'qr', type: 'qradar', ssh: { port: 2022, hostKey: HOST_KEY } },
      [
        { host: '10.1.0.5', port: 443, service: 'https', role: 'api', field: ['url'] },
        { host: '10.1.0.5', port: 2022, service: 'ssh', role: 'console ssh', field: ['url'] },
      ],
    ],
  ])('%s', (_, device, expected) => {
    const parsed = parse(device);
    expect(deviceAddresses(parsed)).toEqual(expected.map((e) => ({ deviceId: parsed.id, ...e })));
  });
});
