import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { parseConfig } from '../../lambdas/config/load';
import { buildApp } from '../../infra/build-app';
import { generatedDevices } from '../support/generated-fleet';
import type { Resources } from './cfn';

/**
 * The stack is O(1) in fleet size (issue 19): a generated fleet of 10,000 devices, each with its
 * own secret, synthesizes to the same resources as the one-device example, within CloudFormation's
 * and IAM's limits. Bundling is skipped here, as in every template test; CI also runs a real
 * bundled `cdk synth`.
 */

const EXAMPLE = fileURLToPath(new URL('../../examples/backup-runner.yaml', import.meta.url));
const example = parseYaml(readFileSync(EXAMPLE, 'utf8')) as Record<string, unknown>;

/** CloudFormation's largest template (uploaded through S3) and resource count. */
const MAX_TEMPLATE_BYTES = 1_000_000;
const MAX_RESOURCES = 500;
/** IAM: a managed policy's document, and all inline policies of one role together, without whitespace. */
const MAX_MANAGED_POLICY_CHARS = 6_144;
const MAX_ROLE_INLINE_CHARS = 10_240;

function synthFleet(devices: unknown[], extra: Record<string, unknown> = {}) {
  const { stack } = buildApp(parseConfig({ ...example, ...extra, devices }), { context: { 'aws:cdk:bundling-stacks': [] } });
  const template = Template.fromStack(stack).toJSON() as { Resources: Resources };
  return { template, resources: template.Resources };
}

function countByType(resources: Resources): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of Object.values(resources)) counts[r.Type] = (counts[r.Type] ?? 0) + 1;
  return counts;
}

/** Each role's inline policy characters, and each managed policy's, as IAM counts them (no whitespace). */
function policySizes(resources: Resources): { inlinePerRole: Map<string, number>; managed: number[] } {
  const inlinePerRole = new Map<string, number>();
  const managed: number[] = [];
  for (const r of Object.values(resources)) {
    const size = JSON.stringify(r.Properties?.PolicyDocument ?? {}).length;
    if (r.Type === 'AWS::IAM::ManagedPolicy') managed.push(size);
    if (r.Type !== 'AWS::IAM::Policy') continue;
    for (const role of (r.Properties?.Roles as unknown[]) ?? []) {
      const key = JSON.stringify(role);
      inlinePerRole.set(key, (inlinePerRole.get(key) ?? 0) + size);
    }
  }
  return { inlinePerRole, managed };
}

describe('a fleet of 10,000 devices in one stack', () => {
  const one = synthFleet(example.devices as unknown[]);
  const fleet = synthFleet(generatedDevices(10_000));

  it('has exactly the resources of the one-device example', () => {
    expect(Object.keys(fleet.resources).length).toBeLessThan(MAX_RESOURCES);
    expect(countByType(fleet.resources)).toEqual(countByType(one.resources));
    expect(Object.keys(fleet.resources).sort()).toEqual(Object.keys(one.resources).sort());
  });

  it('keeps the template under 1 MB, no bigger than with one device but for the fleet\'s own few lines', () => {
    const size = Buffer.byteLength(JSON.stringify(fleet.template, null, 1));
    expect(size).toBeLessThan(MAX_TEMPLATE_BYTES);
    // Nothing per device: the generated fleet's template is within a few KB of the example's.
    expect(Math.abs(size - Buffer.byteLength(JSON.stringify(one.template, null, 1)))).toBeLessThan(8_192);
    expect(JSON.stringify(fleet.template)).not.toContain('appliance-00042');
  });

  it('keeps every policy within IAM\'s limits, with one secret grant for the fleet', () => {
    const sizes = policySizes(fleet.resources);
    for (const [role, chars] of sizes.inlinePerRole) expect(chars, role).toBeLessThan(MAX_ROLE_INLINE_CHARS);
    for (const chars of sizes.managed) expect(chars).toBeLessThan(MAX_MANAGED_POLICY_CHARS);
    // The same policies as with one device, to the character.
    expect([...sizes.inlinePerRole.values()].sort()).toEqual([...policySizes(one.resources).inlinePerRole.values()].sort());
    expect(JSON.stringify(fleet.template)).not.toMatch(/secret:backup-runner\/appliance-/);
  });

  it('has the same security group rules for 1,000 and 10,000 devices in network.egress device-cidrs mode', () => {
    const network = {
      network: {
        vpcId: 'vpc-0123456789abcdef0',
        subnetIds: ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1'],
        availabilityZones: ['us-east-1a', 'us-east-1b'],
        routeTableIds: ['rtb-0123456789abcdef0', 'rtb-0123456789abcdef1'],
        endpoints: 'nat',
        deviceCidrs: ['10.0.0.0/8'],
        egress: 'device-cidrs',
      },
    };
    const rules = (resources: Resources) =>
      Object.values(resources)
        .filter((r) => r.Type === 'AWS::EC2::SecurityGroup')
        .map((r) => (r.Properties?.SecurityGroupEgress as { IpProtocol: string; FromPort: number; CidrIp?: string }[]).map((e) => `${e.IpProtocol} ${e.FromPort} ${e.CidrIp}`));
    const small = synthFleet(generatedDevices(1_000), network);
    const large = synthFleet(generatedDevices(10_000), network);
    expect(rules(large.resources)).toEqual(rules(small.resources));
    expect(rules(large.resources).flat().length).toBeLessThanOrEqual(4);
    expect(Object.keys(large.resources).length).toBe(Object.keys(small.resources).length);
  });
});
