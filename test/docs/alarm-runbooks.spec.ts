import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../../infra/build-app';
import { parseConfig } from '../../lambdas/config/load';
import type { Resources } from '../infra/cfn';
import { headingAnchors, readPage } from './markdown';

function alarmDescriptions(): string[] {
  const config = parseConfig({
    archive: { bucket: 'acme-appliance-backups' },
    devices: [{ id: 'ar11-daily', type: 'riverbed-npm-v1', url: 'https://a.example.net', secret: 'backup-runner/a', schedule: { rrule: 'FREQ=DAILY;BYHOUR=2', timezone: 'UTC' } }],
  });
  const { stack } = buildApp(config, { context: { 'aws:cdk:bundling-stacks': [] } });
  const resources = Template.fromStack(stack).toJSON().Resources as Resources;
  return Object.values(resources)
    .filter((r) => r.Type === 'AWS::CloudWatch::Alarm')
    .map((r) => String(r.Properties?.AlarmDescription));
}

describe('alarm descriptions cite the runbooks', () => {
  const descriptions = alarmDescriptions();

  it('synthesizes every kind of alarm', () => {
    expect(descriptions.length).toBeGreaterThanOrEqual(6);
  });

  it('every alarm names its section of docs/operations.md, and that section exists', () => {
    const anchors = headingAnchors(readPage('docs/operations.md'));
    for (const description of descriptions) {
      const anchor = /Runbook: docs\/operations\.md#([a-z-]+)/.exec(description)?.[1];
      expect(anchor, description).toBeDefined();
      expect(anchors.has(anchor!), `${description}: no heading #${anchor}`).toBe(true);
    }
  });

  it('the backups-failing alarm also cites the restore runbook, at its stable path', () => {
    const failing = descriptions.filter((d) => d.includes('#backups-failing'));
    expect(failing).toHaveLength(1);
    expect(failing[0]).toContain('docs/restore-runbook.md');
    expect(readPage('docs/restore-runbook.md')).toMatch(/^# Restore/);
  });
});
