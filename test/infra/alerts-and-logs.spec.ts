import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../../infra/build-app';
import { parseConfig } from '../../lambdas/config/load';
import { flatten, logicalIdContaining, type Resources } from './cfn';

/**
 * Issue 16 in the template: the alerts topic and its key take notes from this stack's alarms and
 * rules only; a failed prune raises an alarm; the state machine logs keep no execution data unless
 * asked; log groups use the archive's key when it has one; transfers may have reserved concurrency.
 */
function synthWith(extra: { archive?: Record<string, unknown>; workflow?: Record<string, unknown> } = {}) {
  const config = parseConfig({
    archive: { bucket: 'acme-appliance-backups', prefix: 'backups/', ...extra.archive },
    ...(extra.workflow ? { workflow: extra.workflow } : {}),
    devices: [{ id: 'ar11-daily', type: 'riverbed-npm-v1', url: 'https://a.example.net', secret: 'backup-runner/a', schedule: { rrule: 'FREQ=DAILY;BYHOUR=2', timezone: 'UTC' } }],
  });
  const { stack } = buildApp(config, { context: { 'aws:cdk:bundling-stacks': [] } });
  const template = Template.fromStack(stack);
  return { stack, template, resources: template.toJSON().Resources as Resources };
}

interface PolicyStatement {
  Sid?: string;
  Effect: string;
  Principal?: { Service?: unknown };
  Action: string | string[];
  Condition?: Record<string, Record<string, unknown>>;
}

const servicesOf = (s: PolicyStatement) => (s.Principal?.Service === undefined ? [] : [flatten(s.Principal.Service)]);

describe('alerts that cannot be faked', () => {
  const { stack, resources } = synthWith();
  const topicId = logicalIdContaining(resources, 'AWS::SNS::Topic', 'Alerts');
  const topicPolicy = Object.values(resources).find((r) => r.Type === 'AWS::SNS::TopicPolicy')!.Properties!.PolicyDocument as { Statement: PolicyStatement[] };
  const keyId = logicalIdContaining(resources, 'AWS::KMS::Key', 'Alerts');
  const keyPolicy = resources[keyId]!.Properties!.KeyPolicy as { Statement: PolicyStatement[] };
  const alarmArns = 'arn:${AWS::Partition}:cloudwatch:${AWS::Region}:${AWS::AccountId}:alarm:BackupRunner-*';

  it('the topic lets CloudWatch publish only for this stack\'s alarms, from this account', () => {
    const cloudwatch = topicPolicy.Statement.filter((s) => servicesOf(s).includes('cloudwatch.amazonaws.com'));
    expect(cloudwatch).toHaveLength(1);
    expect(cloudwatch[0]).toMatchObject({ Effect: 'Allow', Action: 'sns:Publish' });
    expect(flatten(cloudwatch[0]!.Condition!.StringEquals!['aws:SourceAccount'])).toBe('${AWS::AccountId}');
    expect(flatten(cloudwatch[0]!.Condition!.ArnLike!['aws:SourceArn'])).toBe(alarmArns);
    // Every alarm of the stack is covered by that pattern.
    const names = Object.values(resources).filter((r) => r.Type === 'AWS::CloudWatch::Alarm').map((r) => String(r.Properties!.AlarmName));
    expect(names.length).toBeGreaterThan(3);
    for (const name of names) expect(name.startsWith(`${stack.stackName}-`), name).toBe(true);
  });

  it('the topic lets EventBridge publish only for the exact rules that target it, from this account', () => {
    const events = topicPolicy.Statement.filter((s) => servicesOf(s).includes('events.amazonaws.com'));
    const targeting = Object.entries(resources)
      .filter(([, r]) => r.Type === 'AWS::Events::Rule' && JSON.stringify(r.Properties!.Targets).includes(`"Ref":"${topicId}"`))
      .map(([id]) => id);
    // Restore outcomes and the fleet health check's notices.
    expect(targeting).toHaveLength(2);
    expect(events).toHaveLength(targeting.length);
    expect(events.map((e) => e.Condition)).toEqual(
      targeting.map((rule) => ({
        StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
        ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [rule, 'Arn'] } },
      })),
    );
    // No other principal may publish: the only other statement is the deny of plain HTTP.
    const others = topicPolicy.Statement.filter((s) => !servicesOf(s).some((p) => ['events.amazonaws.com', 'cloudwatch.amazonaws.com'].includes(p)));
    expect(others).toEqual([expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]);
  });

  it('the topic key lets CloudWatch and EventBridge use it only for this stack\'s alarms and rules, from this account', () => {
    const byService = (service: string) => keyPolicy.Statement.filter((s) => servicesOf(s).includes(service));
    for (const [service, pattern] of [
      ['cloudwatch.amazonaws.com', alarmArns],
      ['events.amazonaws.com', 'arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:rule/BackupRunner-*'],
    ] as const) {
      const statements = byService(service);
      expect(statements, service).toHaveLength(1);
      expect(statements[0]!.Action).toEqual(['kms:Decrypt', 'kms:GenerateDataKey*']);
      expect(flatten(statements[0]!.Condition!.StringEquals!['aws:SourceAccount'])).toBe('${AWS::AccountId}');
      expect(flatten(statements[0]!.Condition!.ArnLike!['aws:SourceArn'])).toBe(pattern);
    }
    const rule = Object.values(resources).find((r) => r.Type === 'AWS::Events::Rule' && JSON.stringify(r.Properties!.Targets).includes(`"Ref":"${topicId}"`))!;
    expect(String(rule.Properties!.Name)).toMatch(/^BackupRunner-/);
    expect(String(rule.Properties!.Name).length).toBeLessThanOrEqual(64);
  });

  it('a failed prune raises an alarm: the PruneArchive function\'s errors, to the topic, with its runbook', () => {
    const pruneFn = logicalIdContaining(resources, 'AWS::Lambda::Function', 'PruneArchive');
    Template.fromStack(stack).hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'BackupRunner-prune-failed',
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: pruneFn } }],
      Statistic: 'Sum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [{ Ref: topicId }],
      OKActions: [{ Ref: topicId }],
      AlarmDescription: Match.stringLikeRegexp('Runbook: docs/operations.md#prune-failed'),
    });
  });
});

describe('state machine logs and log groups', () => {
  const machines = (resources: Resources) => Object.values(resources).filter((r) => r.Type === 'AWS::StepFunctions::StateMachine');
  const logGroups = (resources: Resources) => Object.values(resources).filter((r) => r.Type === 'AWS::Logs::LogGroup');

  it('log errors only, without execution data, by default', () => {
    const { resources } = synthWith();
    expect(machines(resources)).toHaveLength(2);
    for (const machine of machines(resources)) expect(machine.Properties!.LoggingConfiguration).toMatchObject({ Level: 'ERROR', IncludeExecutionData: false });
  });

  it('log what workflow.stateMachineLogs asks for', () => {
    const { resources } = synthWith({ workflow: { stateMachineLogs: { level: 'ALL', includeExecutionData: true } } });
    for (const machine of machines(resources)) expect(machine.Properties!.LoggingConfiguration).toMatchObject({ Level: 'ALL', IncludeExecutionData: true });
  });

  it('refuses a level Step Functions does not have, naming the field', () => {
    expect(() => synthWith({ workflow: { stateMachineLogs: { level: 'DEBUG' } } })).toThrow(/workflow\.stateMachineLogs\.level.*OFF, FATAL, ERROR or ALL/);
  });

  it('every log group takes the archive key the stack creates, and the key lets CloudWatch Logs of this account use it', () => {
    const { resources } = synthWith({ archive: { encryption: { kms: { create: true } } } });
    const archiveKey = logicalIdContaining(resources, 'AWS::KMS::Key', 'ArchiveKey');
    expect(logGroups(resources).length).toBeGreaterThan(10);
    for (const group of logGroups(resources)) expect(group.Properties!.KmsKeyId).toEqual({ 'Fn::GetAtt': [archiveKey, 'Arn'] });
    const statements = (resources[archiveKey]!.Properties!.KeyPolicy as { Statement: PolicyStatement[] }).Statement;
    const logs = statements.find((s) => servicesOf(s).includes('logs.${AWS::Region}.amazonaws.com'))!;
    expect(flatten(logs.Condition!.ArnLike!['kms:EncryptionContext:aws:logs:arn'])).toBe('arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:*');
  });

  it('every log group takes an imported archive key by its ARN; without a key, none has one', () => {
    const keyArn = 'arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555';
    const { resources } = synthWith({ archive: { encryption: { kms: { keyArn } } } });
    for (const group of logGroups(resources)) expect(group.Properties!.KmsKeyId).toBe(keyArn);
    for (const group of logGroups(synthWith().resources)) expect(group.Properties!.KmsKeyId).toBeUndefined();
  });

  it('gives the transfer functions (TransferToArchive, UploadToDevice) reserved concurrency when configured, and none otherwise', () => {
    const { resources } = synthWith({ workflow: { transferReservedConcurrency: 7 } });
    const reserved = Object.entries(resources)
      .filter(([, r]) => r.Type === 'AWS::Lambda::Function' && r.Properties!.ReservedConcurrentExecutions !== undefined)
      .map(([id, r]) => [id.replace(/[0-9A-F]{8}$/, ''), r.Properties!.ReservedConcurrentExecutions]);
    expect(reserved.sort()).toEqual([
      ['BackupWorkflowTransferToArchiveFunction', 7],
      ['RestoreWorkflowUploadToDeviceFunction', 7],
    ]);
    expect(Object.values(synthWith().resources).some((r) => r.Type === 'AWS::Lambda::Function' && r.Properties!.ReservedConcurrentExecutions !== undefined)).toBe(false);
  });
});
