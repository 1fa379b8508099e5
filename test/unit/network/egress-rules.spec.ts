import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../lambdas/config/load';
import type { NetworkConfig } from '../../../lambdas/config/network';
import { EgressPlanError, planDeviceEgress, type EgressRule } from '../../../infra/network/egress-rules';

const HOST_KEY = `SHA256:${'A'.repeat(43)}`;
const NAT = { vpcId: 'vpc-0123456789abcdef0', subnetIds: ['subnet-01234567'], endpoints: 'nat', s3GatewayEndpoint: 'existing' };
const ar11 = { id: 'ar11', type: 'riverbed-npm-v1', url: 'https://10.1.0.5', secret: 'backup-runner/s' };
const ar11b = { id: 'ar11b', type: 'riverbed-npm-v1', url: 'https://10.1.0.5', secret: 'backup-runner/s' };
const sw = { id: 'sw', type: 'storware', url: 'https://10.1.0.6:8181', secret: 'backup-runner/s', protectedEntities: ['abc'] };
const fg = { id: 'fg', type: 'riverbed-flow-gateway', url: 'https://fg.corp', secret: 'backup-runner/s', landing: { host: '10.0.0.9', path: '/srv', hostKey: HOST_KEY, secret: 'backup-runner/l' } };
const ar12 = { id: 'ar12', type: 'riverbed-npm-v2', url: 'https://10.1.0.7', secret: 'backup-runner/s', server: { name: 'f', host: '10.0.0.9', path: '/srv', hostKey: HOST_KEY, secret: 'backup-runner/l' } };
const qr = { id: 'qr', type: 'qradar', url: 'https://[fd00::8]', secret: 'backup-runner/s', ssh: { hostKey: HOST_KEY } };

const tcp = (cidr: string, port: number, description: string, family: 'ipv4' | 'ipv6' = 'ipv4'): EgressRule => ({ family, cidr, protocol: 'tcp', port, description });

function plan(devices: Record<string, unknown>[], network: Record<string, unknown> = {}): EgressRule[] {
  const config = parseConfig({ archive: { bucket: 'acme-backups' }, devices, network: { ...NAT, ...network } });
  return planDeviceEgress(config.network!, config.devices);
}

describe('planDeviceEgress', () => {
  it.each([
    ['one device by IP: its HTTPS port to its /32', [ar11], {}, [tcp('10.1.0.5/32', 443, 'tcp/443 to ar11 api')]],
    ['the port from the URL', [sw], {}, [tcp('10.1.0.6/32', 8181, 'tcp/8181 to sw api')]],
    ['two devices on one address: one rule naming both', [ar11, ar11b], {}, [tcp('10.1.0.5/32', 443, 'tcp/443 to ar11 api, ar11b api')]],
    [
      'a name goes to the deviceCidrs, its landing host by IP to the /32 on SSH',
      [fg],
      { deviceCidrs: ['10.0.0.0/8', '172.16.0.0/12'] },
      [tcp('10.0.0.0/8', 443, 'tcp/443 to fg api'), tcp('10.0.0.9/32', 22, 'tcp/22 to fg landing host'), tcp('172.16.0.0/12', 443, 'tcp/443 to fg api')],
    ],
    [
      'a filer shared by two devices: one SSH rule',
      [fg, ar12],
      { deviceCidrs: ['10.0.0.0/8'] },
      [tcp('10.0.0.0/8', 443, 'tcp/443 to fg api'), tcp('10.0.0.9/32', 22, 'tcp/22 to fg landing host, ar12 filer'), tcp('10.1.0.7/32', 443, 'tcp/443 to ar12 api')],
    ],
    ['an IPv6 QRadar console: HTTPS and SSH to its /128', [qr], {}, [tcp('fd00::8/128', 22, 'tcp/22 to qr console ssh', 'ipv6'), tcp('fd00::8/128', 443, 'tcp/443 to qr api', 'ipv6')]],
    [
      'egress device-cidrs: every device port to every block, no /32',
      [ar11, sw, fg],
      { deviceCidrs: ['10.0.0.0/8'], egress: 'device-cidrs' },
      [tcp('10.0.0.0/8', 22, 'tcp/22 to fg landing host'), tcp('10.0.0.0/8', 443, 'tcp/443 to ar11 api, fg api'), tcp('10.0.0.0/8', 8181, 'tcp/8181 to sw api')],
    ],
    [
      'DNS servers outside the VPC: UDP and TCP 53',
      [ar11],
      { dnsServers: ['10.5.0.2'] },
      [tcp('10.1.0.5/32', 443, 'tcp/443 to ar11 api'), tcp('10.5.0.2/32', 53, 'tcp/53 to DNS server'), { family: 'ipv4', cidr: '10.5.0.2/32', protocol: 'udp', port: 53, description: 'udp/53 to DNS server' }],
    ],
  ])('%s', (_, devices, network, expected) => {
    expect(plan(devices, network)).toEqual(expected);
  });

  it('keeps descriptions within the 255 characters a rule takes', () => {
    const many = Array.from({ length: 40 }, (_, i) => ({ ...ar11, id: `appliance-number-${i}` }));
    const [rule] = plan(many);
    expect(rule!.description).toHaveLength(255);
    expect(rule!.description.startsWith('tcp/443 to appliance-number-0 api, appliance-number-1 api')).toBe(true);
    expect(rule!.description.endsWith('...')).toBe(true);
  });

  it('refuses a host name without deviceCidrs when called without the schema', () => {
    const config = parseConfig({ archive: { bucket: 'acme-backups' }, devices: [fg] });
    const network = parseConfig({ archive: { bucket: 'acme-backups' }, devices: [ar11], network: NAT }).network as NetworkConfig;
    expect(() => planDeviceEgress(network, config.devices)).toThrow(EgressPlanError);
    expect(() => planDeviceEgress(network, config.devices)).toThrow(/fg: "fg.corp" is a host name; security groups allow CIDRs, not names: list its network in network.deviceCidrs/);
  });
});
