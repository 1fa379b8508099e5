import { deviceAddresses, hostKind, parseCidr, type Cidr, type NetworkConfig } from '../../lambdas/config/network';
import type { DeviceConfig } from '../../lambdas/config/schema';

/** One outbound rule of the device-facing security group. */
export interface EgressRule {
  readonly family: 'ipv4' | 'ipv6';
  /** "10.0.0.9/32", "10.20.0.0/16", "fd00::5/128". */
  readonly cidr: string;
  readonly protocol: 'tcp' | 'udp';
  readonly port: number;
  /** Who the rule is for, e.g. "tcp/22 to fg-east landing host, ar12-core filer"; at most 255 characters. */
  readonly description: string;
}

/** A device address the security group cannot express; the config schema reports these first, with field paths. */
export class EgressPlanError extends Error {
  override name = 'EgressPlanError';
}

/** Security group rule descriptions: at most 255 characters. */
const MAX_DESCRIPTION = 255;

/**
 * The device-facing security group's outbound rules toward the devices, derived from the device
 * list: each device's HTTPS (or HTTP) API port and the SSH port of every landing host, filer and
 * console, to the device's IP (/32 or /128). A host name cannot be a rule (security groups take
 * CIDRs and prefix lists, not DNS names), so its ports go to every `network.deviceCidrs` block; with
 * `egress: device-cidrs` every address does (a large fleet within the default 60-rule quota).
 * Rules with the same destination, protocol and port are merged; their descriptions list who uses
 * them. DNS servers outside the VPC get UDP and TCP 53. Sorted, so the template is stable.
 * The AWS endpoints' rules are the construct's (infra/constructs/network.ts).
 */
export function planDeviceEgress(network: NetworkConfig, devices: readonly DeviceConfig[]): EgressRule[] {
  const deviceCidrs = (network.deviceCidrs ?? []).map((text) => {
    const cidr = parseCidr(text);
    if (!cidr) throw new EgressPlanError(`network.deviceCidrs: "${text}" is not a CIDR block`);
    return cidr;
  });
  const rules = new Map<string, { family: Cidr['family']; cidr: string; protocol: 'tcp' | 'udp'; port: number; users: string[] }>();
  const add = (family: Cidr['family'], cidr: string, protocol: 'tcp' | 'udp', port: number, user: string) => {
    const key = `${protocol} ${cidr} ${port}`;
    const rule = rules.get(key) ?? { family, cidr, protocol, port, users: [] };
    if (!rule.users.includes(user)) rule.users.push(user);
    rules.set(key, rule);
  };

  for (const device of devices) {
    for (const address of deviceAddresses(device)) {
      const user = `${device.id} ${address.role}`;
      const kind = hostKind(address.host);
      if (kind === undefined) throw new EgressPlanError(`${device.id}: "${address.host}" is neither an IP address nor a host name`);
      if (kind !== 'name' && network.egress === 'per-device') {
        add(kind, `${address.host}/${kind === 'ipv4' ? 32 : 128}`, 'tcp', address.port, user);
        continue;
      }
      if (deviceCidrs.length === 0) {
        throw new EgressPlanError(`${device.id}: "${address.host}" is a host name; security groups allow CIDRs, not names: list its network in network.deviceCidrs`);
      }
      for (const cidr of deviceCidrs) add(cidr.family, cidr.text, 'tcp', address.port, user);
    }
  }
  for (const server of network.dnsServers ?? []) {
    const family = hostKind(server) === 'ipv6' ? 'ipv6' : 'ipv4';
    const cidr = `${server}/${family === 'ipv4' ? 32 : 128}`;
    add(family, cidr, 'udp', 53, 'DNS server');
    add(family, cidr, 'tcp', 53, 'DNS server');
  }

  return [...rules.values()]
    .map(({ users, ...rule }) => ({ ...rule, description: describe(rule.protocol, rule.port, users) }))
    .sort((a, b) => compare(a.family, b.family) || compare(a.cidr, b.cidr) || compare(a.protocol, b.protocol) || a.port - b.port);
}

function describe(protocol: string, port: number, users: readonly string[]): string {
  const text = `${protocol}/${port} to ${users.join(', ')}`;
  return text.length <= MAX_DESCRIPTION ? text : `${text.slice(0, MAX_DESCRIPTION - 3)}...`;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
