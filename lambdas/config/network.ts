import { BlockList, isIP } from 'node:net';
import { z } from 'zod';
import type { DeviceConfig } from './schema';

/**
 * The `network` section: where the device-facing Lambdas run when the appliances sit on private
 * networks, and how they reach AWS from there. Ids only (vpc-, subnet-, rtb-, pl-): the stack
 * imports the customer's VPC instead of creating one, and needs no AWS lookup to synthesize.
 *
 * What is checked without AWS: id syntax; list lengths that must match; that every device address
 * is an IP or a host name; that a device IP is not one a VPC can never route to (loopback,
 * link-local, multicast, reserved); that host names are covered by `deviceCidrs` (a security group
 * takes CIDRs, not DNS names); and that IPs lie in `deviceCidrs` when those are given. What cannot
 * be checked without AWS: that the subnets belong to the VPC, that their route tables reach the
 * devices (VPN, Direct Connect, Transit Gateway), that DNS resolves the names inside the VPC.
 */

const awsId = (prefix: string, what: string) =>
  z.string({ error: (issue) => (issue.input === undefined ? `is required: the id of ${what} (${prefix}-...)` : `must be the id of ${what} (${prefix}-...)`) }).regex(new RegExp(`^${prefix}-[0-9a-f]{8,17}$`), `must be the id of ${what}: "${prefix}-" and 8 or 17 hex digits`);

/** A CIDR with no host bits set, IPv4 or IPv6: what a security group rule takes. */
export const cidrSchema = z.string().refine((v) => parseCidr(v) !== undefined, 'must be a CIDR block such as 10.20.0.0/16 or fd00:10::/64, with no host bits set');

const ipAddress = z.string().refine((v) => isIP(v) !== 0, 'must be an IPv4 or IPv6 address');

const unique = <T>(list: readonly T[]) => new Set(list).size === list.length;

export const networkSchema = z
  .strictObject({
    vpcId: awsId('vpc', 'the VPC that holds network.subnetIds'),
    subnetIds: z
      .array(awsId('subnet', 'a subnet'), { error: 'must list the subnets (subnet-...) the device-facing Lambdas run in' })
      .min(1, 'must list at least one subnet (two in different zones for availability)')
      .refine(unique, 'must not list a subnet twice'),
    /** The zone of each subnet, in the same order; interface endpoints need them (one per zone). */
    availabilityZones: z.array(z.string().regex(/^[a-z]{2}(-[a-z0-9]+)+[a-z]$/, 'must be an availability zone name such as us-east-1a')).optional(),
    /** The route table of each subnet, in the same order (repeat one that subnets share); the S3 gateway endpoint is added to them. */
    routeTableIds: z.array(awsId('rtb', 'a route table')).optional(),
    /** How the Lambdas reach AWS APIs other than S3: interface endpoints created in the subnets, or the VPC's existing NAT. */
    endpoints: z.enum(['interface', 'nat'], { error: 'must be "interface" (create VPC interface endpoints) or "nat" (use the NAT the subnets already route to)' }).default('interface'),
    /** Create the S3 gateway endpoint on `routeTableIds`, or use one the route tables already have. */
    s3GatewayEndpoint: z.enum(['create', 'existing'], { error: 'must be "create" or "existing" (the route tables already have an S3 gateway endpoint)' }).default('create'),
    /** The region's S3 prefix list (com.amazonaws.<region>.s3): the HTTPS egress rule to the S3 gateway endpoint. */
    s3PrefixListId: awsId('pl', 'the S3 prefix list com.amazonaws.<region>.s3').optional(),
    /** The management networks the devices live in, as the subnets route to them. */
    deviceCidrs: z.array(cidrSchema).min(1).optional(),
    /** `per-device`: one rule per device IP and port (names use deviceCidrs); `device-cidrs`: the device ports to every deviceCidr (for fleets beyond the rule quota). */
    egress: z.enum(['per-device', 'device-cidrs'], { error: 'must be "per-device" or "device-cidrs"' }).default('per-device'),
    /** DNS servers outside the VPC (a DHCP options set pointing at them); the VPC's own resolver needs no rule. */
    dnsServers: z.array(ipAddress).optional(),
  })
  .superRefine((network, ctx) => {
    const count = network.subnetIds.length;
    if (network.availabilityZones && network.availabilityZones.length !== count) {
      ctx.addIssue({ code: 'custom', path: ['availabilityZones'], message: `must name one zone per subnet, in the order of network.subnetIds (${count}), not ${network.availabilityZones.length}` });
    }
    if (network.routeTableIds && network.routeTableIds.length !== count) {
      ctx.addIssue({ code: 'custom', path: ['routeTableIds'], message: `must name one route table per subnet, in the order of network.subnetIds (${count}), not ${network.routeTableIds.length}` });
    }
    if (network.endpoints === 'interface' && !network.availabilityZones) {
      ctx.addIssue({ code: 'custom', path: ['availabilityZones'], message: 'is required with endpoints "interface": an interface endpoint takes one subnet per zone' });
    }
    if (network.endpoints === 'interface' && !network.s3PrefixListId) {
      ctx.addIssue({
        code: 'custom',
        path: ['s3PrefixListId'],
        message:
          'is required with endpoints "interface" (the only HTTPS egress to S3 is this prefix list): aws ec2 describe-managed-prefix-lists --filters Name=prefix-list-name,Values=com.amazonaws.REGION.s3 --query "PrefixLists[0].PrefixListId"',
      });
    }
    if (network.s3GatewayEndpoint === 'create' && !network.routeTableIds) {
      ctx.addIssue({ code: 'custom', path: ['routeTableIds'], message: 'is required to create the S3 gateway endpoint (it is a route in each subnet\'s route table); or set s3GatewayEndpoint: existing' });
    }
    if (network.egress === 'device-cidrs' && !network.deviceCidrs) {
      ctx.addIssue({ code: 'custom', path: ['deviceCidrs'], message: 'is required with egress "device-cidrs"' });
    }
  });

export type NetworkConfig = z.output<typeof networkSchema>;

/** One place a device-facing Lambda connects to: a device's HTTPS API or an SSH host. */
export interface DeviceAddress {
  readonly deviceId: string;
  /** Path of the field that names the host, inside the device entry (for error messages). */
  readonly field: readonly (string | number)[];
  readonly host: string;
  readonly port: number;
  readonly service: 'https' | 'http' | 'ssh';
  /** What the Lambda reaches there, for rule descriptions: "api", "landing host", "filer", "console ssh". */
  readonly role: string;
}

/** Every host and port the device-facing Lambdas connect to for one device (HTTPS API, SSH landing hosts and filers). */
export function deviceAddresses(device: DeviceConfig): DeviceAddress[] {
  const url = new URL(device.url);
  const apiHost = urlHost(url);
  const apiService = url.protocol === 'http:' ? 'http' : 'https';
  const apiPort = url.port ? Number(url.port) : apiService === 'http' ? 80 : 443;
  const list: DeviceAddress[] = [{ deviceId: device.id, field: ['url'], host: apiHost, port: apiPort, service: apiService, role: 'api' }];
  switch (device.type) {
    case 'riverbed-flow-gateway':
      list.push({ deviceId: device.id, field: ['landing', 'host'], host: device.landing.host, port: device.landing.port, service: 'ssh', role: 'landing host' });
      break;
    case 'riverbed-npm-v2':
      if (!device.server.local && device.server.host !== undefined) {
        list.push({ deviceId: device.id, field: ['server', 'host'], host: device.server.host, port: device.server.port, service: 'ssh', role: 'filer' });
      }
      break;
    case 'qradar':
      list.push({ deviceId: device.id, field: ['url'], host: apiHost, port: device.ssh.port, service: 'ssh', role: 'console ssh' });
      break;
    case 'riverbed-npm-v1':
    case 'storware':
      break;
  }
  return list;
}

export type HostKind = 'ipv4' | 'ipv6' | 'name';

/** An SSH host as the device and the runner reach it: an IP address or a host name, nothing else. */
export const hostSchema = (missing: string) =>
  z
    .string()
    .min(1, missing)
    .refine((v) => hostKind(v) !== undefined, 'must be an IP address or a host name, e.g. 10.0.0.9 or filer.example.net (no port, scheme or path)');

/** The host of a URL, without the brackets of an IPv6 literal. */
export function urlHost(url: URL): string {
  return stripBrackets(url.hostname);
}

/** What a host string is, or undefined when it is neither an IP address nor a host name (RFC 1123, `_` tolerated). */
export function hostKind(host: string): HostKind | undefined {
  const ip = isIP(host);
  if (ip === 4) return 'ipv4';
  if (ip === 6) return 'ipv6';
  if (host.length > 253) return undefined;
  const labels = host.replace(/\.$/, '').split('.');
  if (!labels.every((l) => /^[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$/.test(l))) return undefined;
  // An all-numeric last label is a mistyped IPv4 address (10.0.0.300), never a top-level domain.
  if (/^\d+$/.test(labels[labels.length - 1]!)) return undefined;
  return 'name';
}

/**
 * Link-local addresses: the instance metadata service and the Amazon DNS live there (169.254.169.254,
 * fd00:ec2::254 is not link-local but fe80::/10 is). A device there could only be a way to point the
 * runner's credentials at AWS's own services, so such an address is refused with or without a VPC.
 */
const LINK_LOCAL = (() => {
  const list = new BlockList();
  list.addSubnet('169.254.0.0', 16, 'ipv4');
  list.addSubnet('fe80::', 10, 'ipv6');
  return list;
})();

/** Whether an IP address is link-local (IPv4-mapped IPv6 included). */
export function isLinkLocal(ip: string): boolean {
  const family = isIP(ip);
  if (family === 4) return LINK_LOCAL.check(ip, 'ipv4');
  if (family !== 6) return false;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return LINK_LOCAL.check(mapped[1]!, 'ipv4');
  return LINK_LOCAL.check(ip, 'ipv6');
}

/**
 * The device's URL against its own settings: plain `http:` only with `allowInsecureHttp: true`
 * (the password and the backup would cross the network readable), and never with `tls` (which
 * would then pin nothing). Paths are relative to the device entry.
 */
export function deviceUrlIssues(device: { url?: unknown; tls?: unknown; allowInsecureHttp?: unknown }): NetworkIssue[] {
  if (typeof device.url !== 'string' || !device.url.startsWith('http:')) return [];
  if (device.tls !== undefined) {
    return [{ path: ['tls'], message: 'is set but url is http://: TLS settings need an https:// url (use https, or remove tls)' }];
  }
  if (device.allowInsecureHttp !== true) {
    return [
      {
        path: ['url'],
        message: 'is http://: the credentials and the backup would cross the network unencrypted; use https://, or set allowInsecureHttp: true on this device to accept that',
      },
    ];
  }
  return [];
}

/** Addresses a Lambda in a VPC can never reach a device at. */
const UNROUTABLE = (() => {
  const list = new BlockList();
  list.addSubnet('0.0.0.0', 8, 'ipv4'); // "this network"
  list.addSubnet('127.0.0.0', 8, 'ipv4'); // loopback: the Lambda itself
  list.addSubnet('169.254.0.0', 16, 'ipv4'); // link-local: instance metadata and the Amazon DNS, never a device
  list.addSubnet('224.0.0.0', 4, 'ipv4'); // multicast
  list.addSubnet('240.0.0.0', 4, 'ipv4'); // reserved and broadcast
  list.addAddress('::', 'ipv6');
  list.addAddress('::1', 'ipv6');
  list.addSubnet('fe80::', 10, 'ipv6');
  list.addSubnet('ff00::', 8, 'ipv6');
  return list;
})();

/** A parsed CIDR block. */
export interface Cidr {
  readonly family: 'ipv4' | 'ipv6';
  readonly address: string;
  readonly prefix: number;
  /** The canonical text, e.g. "10.0.0.0/8". */
  readonly text: string;
}

/** Parses "10.0.0.0/8" or "fd00::/8"; undefined when malformed or host bits are set (security groups want the network address). */
export function parseCidr(text: string): Cidr | undefined {
  const match = /^([^/]+)\/(\d{1,3})$/.exec(text.trim());
  if (!match) return undefined;
  const address = match[1]!;
  const prefix = Number(match[2]);
  const family = isIP(address);
  if (family === 0 || prefix > (family === 4 ? 32 : 128)) return undefined;
  const bits = family === 4 ? ipv4Bits(address) : ipv6Bits(address);
  const width = family === 4 ? 32n : 128n;
  const hostMask = (1n << (width - BigInt(prefix))) - 1n;
  if ((bits & hostMask) !== 0n) return undefined;
  return { family: family === 4 ? 'ipv4' : 'ipv6', address, prefix, text: `${address}/${prefix}` };
}

/** Whether an IP lies in one of the CIDRs. */
export function ipInCidrs(ip: string, cidrs: readonly Cidr[]): boolean {
  const list = new BlockList();
  for (const c of cidrs) list.addSubnet(c.address, c.prefix, c.family);
  return list.check(ip, isIP(ip) === 6 ? 'ipv6' : 'ipv4');
}

/** One problem of the devices' addresses, with the path of the field in the config file. */
export interface NetworkIssue {
  readonly path: (string | number)[];
  readonly message: string;
}

/**
 * Checks every device address: always that it is an IP or a host name; with `network`, that a
 * Lambda in the VPC could reach it and that a security group rule can name it.
 */
export function deviceAddressIssues(devices: readonly DeviceConfig[], network: NetworkConfig | undefined): NetworkIssue[] {
  const issues: NetworkIssue[] = [];
  const cidrs = (network?.deviceCidrs ?? []).map((c) => parseCidr(c)).filter((c): c is Cidr => c !== undefined);
  devices.forEach((device, index) => {
    const seen = new Set<string>();
    let addresses: DeviceAddress[];
    try {
      addresses = deviceAddresses(device);
    } catch {
      // zod runs this refinement even when the device's own fields failed (a bad url, no landing):
      // those are reported at their own paths already.
      return;
    }
    for (const address of addresses) {
      const key = address.field.join('.');
      if (seen.has(key)) continue;
      seen.add(key);
      const path = ['devices', index, ...address.field];
      const kind = hostKind(address.host);
      if (!kind) {
        issues.push({ path, message: `${device.id}: "${address.host}" is neither an IP address nor a host name` });
        continue;
      }
      if (kind !== 'name' && isLinkLocal(address.host)) {
        issues.push({ path, message: `${device.id}: ${address.host} is a link-local address (169.254.0.0/16, fe80::/10), where the instance metadata service and the Amazon DNS live, never a device` });
        continue;
      }
      if (!network) continue;
      if (kind !== 'name' && UNROUTABLE.check(address.host, kind)) {
        issues.push({ path, message: `${device.id}: ${address.host} is a loopback, link-local, multicast or reserved address; a Lambda in the VPC cannot reach a device there` });
      } else if (kind === 'name' && cidrs.length === 0) {
        issues.push({
          path,
          message: `${device.id}: "${address.host}" is a host name, and a security group allows CIDRs, not names: list the management network(s) it resolves to in network.deviceCidrs, or give the device by IP`,
        });
      } else if (kind !== 'name' && cidrs.length > 0 && !ipInCidrs(address.host, cidrs)) {
        issues.push({ path, message: `${device.id}: ${address.host} lies outside every network.deviceCidrs block (${cidrs.map((c) => c.text).join(', ')}); add its network there or correct the address` });
      }
    }
  });
  return issues;
}

function stripBrackets(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

function ipv4Bits(address: string): bigint {
  return address.split('.').reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n);
}

function ipv6Bits(address: string): bigint {
  // An embedded IPv4 tail (::ffff:10.0.0.1) becomes two groups first.
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(address);
  let text = address;
  if (v4) {
    const n = ipv4Bits(v4[1]!);
    text = `${address.slice(0, -v4[1]!.length)}${(n >> 16n).toString(16)}:${(n & 0xffffn).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const headGroups = head ? head.split(':') : [];
  const tailGroups = tail ? tail.split(':') : [];
  const missing = 8 - headGroups.length - tailGroups.length;
  const groups = tail === undefined ? headGroups : [...headGroups, ...Array<string>(missing).fill('0'), ...tailGroups];
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n);
}
