import { Stack } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../lambdas/config/load';
import { buildApp } from '../../infra/build-app';
import { allRoleStatements, roleOf, type Resources } from './cfn';
import { Template } from 'aws-cdk-lib/assertions';

const HOST_KEY = `SHA256:${'A'.repeat(43)}`;
const FINGERPRINT = Array.from({ length: 32 }, () => 'AB').join(':');

/** The whole app at its widest: every device type, schedules, retries, KMS, Object Lock, tiers, alerts. */
export function everythingConfig() {
  return parseConfig({
    archive: {
      bucket: 'acme-appliance-backups',
      prefix: 'backups/',
      retention: { keepLast: 7, keepDaily: 14 },
      lifecycle: { transitions: [{ days: 30, storageClass: 'GLACIER_IR' }, { days: 180, storageClass: 'DEEP_ARCHIVE' }], noncurrentVersionExpirationDays: 30 },
      encryption: { kms: { create: true } },
      objectLock: { mode: 'GOVERNANCE', days: 30 },
    },
    scheduler: { tickMinutes: 5, maxConcurrentBackups: 10 },
    alerts: { email: 'oncall@example.com' },
    devices: [
      { id: 'ar11-lab', type: 'riverbed-npm-v1', url: 'https://ar11.example.net', secret: 'backup-runner/ar11-lab', tls: { fingerprint256: FINGERPRINT },
        schedule: { rrule: 'FREQ=DAILY;BYHOUR=2;BYMINUTE=0', timezone: 'Europe/Budapest' }, retry: { attempts: 3, delayMinutes: 10 } },
      { id: 'ar12-core', type: 'riverbed-npm-v2', url: 'https://ar12.example.net', secret: 'backup-runner/ar12-core',
        server: { name: 's3-landing', host: '10.0.0.9', path: '/srv/backups/ar12-core', hostKey: HOST_KEY, secret: 'backup-runner/landing' },
        schedule: { rrule: 'FREQ=WEEKLY;BYDAY=SU;BYHOUR=3', timezone: 'UTC' } },
      { id: 'fg-east', type: 'riverbed-flow-gateway', url: 'https://fg-east.example.net', secret: 'backup-runner/fg-east',
        landing: { host: '10.0.0.9', path: '/srv/backups/fg-east', hostKey: HOST_KEY, secret: 'backup-runner/landing' } },
      { id: 'qradar-console', type: 'qradar', url: 'https://qradar.example.net', secret: 'backup-runner/qradar-console', ssh: { hostKey: HOST_KEY },
        schedule: { rrule: 'FREQ=MONTHLY;BYMONTHDAY=1;BYHOUR=1', timezone: 'America/New_York' } },
      { id: 'storware-prod', type: 'storware', url: 'https://storware.example.net:8181', secret: 'backup-runner/storware-prod', protectedEntities: ['0f2a6c1e-1111-2222-3333-444455556666'] },
    ],
  });
}

/**
 * Synthesizes with both packs and returns the unacknowledged findings as `<rule id> <construct path>`
 * lines, read from the validation failure CDK throws (empty when synth succeeds).
 */
function nagFindings(addToStack?: (stack: Stack) => void): string[] {
  // buildApp adds cdk-nag's packs itself, as at every `cdk synth` (infra/app.ts).
  const { app, stack } = buildApp(everythingConfig(), { context: { 'aws:cdk:bundling-stacks': [] } });
  addToStack?.(stack);
  try {
    app.synth();
    return [];
  } catch (error) {
    const message = String((error as Error).message);
    // Each finding: a resource line "   <path> <type>" followed by "   Acknowledge with '<id>'".
    const findings = [...message.matchAll(/^\s+(\S+) \S+\n\s+Acknowledge with '([^']+)'/gm)].map((m) => `${m[2]} ${m[1]}`);
    return findings.length ? findings : [message.slice(0, 4000)];
  }
}

describe('cdk-nag', () => {
  it('finds nothing unacknowledged in the whole app (AwsSolutions and Serverless packs)', () => {
    expect(nagFindings()).toEqual([]);
  });

  it('reports an unacknowledged finding by rule and construct path (the check above can fail)', () => {
    const findings = nagFindings((stack) => new sqs.Queue(stack, 'CarelessQueue', { encryption: sqs.QueueEncryption.UNENCRYPTED }));
    expect(findings).toEqual(expect.arrayContaining([expect.stringMatching(/^AwsSolutions::AwsSolutions-SQS4 BackupRunner\/CarelessQueue\/Resource$/)]));
  });

  it('traces every function with X-Ray, whose statement is the only "*" in their policies', () => {
    const { stack } = buildApp(everythingConfig(), { context: { 'aws:cdk:bundling-stacks': [] } });
    const resources = Template.fromStack(stack).toJSON().Resources as Resources;
    const functions = Object.values(resources).filter((r) => r.Type === 'AWS::Lambda::Function');
    expect(functions.length).toBeGreaterThan(15);
    for (const fn of functions) {
      expect(fn.Properties?.TracingConfig).toEqual({ Mode: 'Active' });
      const star = allRoleStatements(resources, roleOf(fn)).filter((s) => s.Resource.includes('*'));
      expect(star).toEqual([{ Effect: 'Allow', Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], Resource: ['*'] }]);
    }
  });
});
