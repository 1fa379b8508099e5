import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../lambdas/config/load';
import { buildApp } from '../../infra/build-app';
import { freshnessInterval } from '../../infra/constructs/monitoring';
import { Template } from 'aws-cdk-lib/assertions';
import { logicalIdContaining, roleOf, roleStatements, type Resources } from './cfn';


function monitoredConfig(alerts?: Record<string, unknown>) {
  return parseConfig({
    archive: { bucket: 'acme-appliance-backups', prefix: 'backups/' },
    ...(alerts ? { alerts } : {}),
    devices: [
      { id: 'ar11-daily', type: 'riverbed-npm-v1', url: 'https://a.example.net', secret: 'backup-runner/a', schedule: { rrule: 'FREQ=DAILY;BYHOUR=2;BYMINUTE=0', timezone: 'UTC' } },
      { id: 'ar11-weekdays', type: 'riverbed-npm-v1', url: 'https://b.example.net', secret: 'backup-runner/b', schedule: { rrule: 'FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR;BYHOUR=2;BYMINUTE=0', timezone: 'UTC' } },
      { id: 'ar11-manual', type: 'riverbed-npm-v1', url: 'https://c.example.net', secret: 'backup-runner/c' },
    ],
  });
}

function synthMonitored(alerts?: Record<string, unknown>) {
  const { stack } = buildApp(monitoredConfig(alerts), { context: { 'aws:cdk:bundling-stacks': [] } });
  const template = Template.fromStack(stack);
  return { stack, template, resources: template.toJSON().Resources as Resources };
}

describe('monitoring', () => {
  const { stack, template, resources } = synthMonitored({ email: ['oncall@example.com', 'noc@example.com'] });
  const alarms = Object.values(resources).filter((r) => r.Type === 'AWS::CloudWatch::Alarm');
  const alarmNamed = (suffix: string) => {
    const found = alarms.filter((a) => JSON.stringify(a.Properties?.AlarmName).includes(suffix));
    expect(found, suffix).toHaveLength(1);
    return found[0]!.Properties!;
  };
  const topicId = logicalIdContaining(resources, 'AWS::SNS::Topic', 'Alerts');

  it('has an encrypted, TLS-only alerts topic with the config e-mail subscriptions', () => {
    expect(resources[topicId]!.Properties).toMatchObject({ KmsMasterKeyId: expect.anything() });
    template.resourceCountIs('AWS::SNS::Subscription', 2);
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'oncall@example.com', TopicArn: { Ref: topicId } });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
    // CloudWatch and EventBridge can publish to a KMS-encrypted topic only if the key lets them.
    const keyPolicy = JSON.stringify(template.findResources('AWS::KMS::Key'));
    expect(keyPolicy).toContain('cloudwatch.amazonaws.com');
    expect(keyPolicy).toContain('events.amazonaws.com');
  });

  it('has no subscription without alerts.email', () => {
    synthMonitored().template.resourceCountIs('AWS::SNS::Subscription', 0);
  });

  it('reports every terminal status of both state machines through a rule to the report function, with a DLQ', () => {
    const reportFn = logicalIdContaining(resources, 'AWS::Lambda::Function', 'ReportFunction');
    const backup = logicalIdContaining(resources, 'AWS::StepFunctions::StateMachine', 'BackupWorkflow');
    const restore = logicalIdContaining(resources, 'AWS::StepFunctions::StateMachine', 'RestoreWorkflow');
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.states'],
        'detail-type': ['Step Functions Execution Status Change'],
        detail: { status: ['SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'], stateMachineArn: [{ Ref: backup }, { Ref: restore }] },
      },
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [reportFn, 'Arn'] }, DeadLetterConfig: { Arn: Match.anyValue() } })],
    });
    expect(resources[reportFn]!.Properties).toMatchObject({
      DeadLetterConfig: { TargetArn: expect.anything() },
      Environment: { Variables: { BACKUP_STATE_MACHINE_ARN: { Ref: backup }, RESTORE_STATE_MACHINE_ARN: { Ref: restore } } },
    });
    const statements = roleStatements(resources, roleOf(resources[reportFn]!));
    expect(statements.find((s) => s.Action.includes('events:PutEvents'))!.Resource).toEqual(['arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:event-bus/default']);
    const history = statements.find((s) => s.Action.includes('states:GetExecutionHistory'))!;
    expect(history.Resource).toHaveLength(2);
    expect(history.Resource.every((r) => /:states:\$\{AWS::Region\}:\$\{AWS::AccountId\}:execution:\$\{.+\.Name\}:\*$/.test(r))).toBe(true);
    // The reporter reads no archive and no secret.
    expect(JSON.stringify(statements)).not.toMatch(/s3:|secretsmanager:/);
  });

  it('has two fleet alarms, on the counts of failing and of stale devices, whatever the fleet size', () => {
    expect(alarms).toHaveLength(7);
    for (const [name, metric] of [['backups-failing', 'FailingDevices'], ['backups-stale', 'StaleDevices']] as const) {
      const alarm = alarmNamed(name);
      expect(alarm).toMatchObject({
        Namespace: 'BackupRunner',
        MetricName: metric,
        Dimensions: [{ Name: 'service', Value: 'backup-runner' }],
        Statistic: 'Maximum',
        Period: 3600,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'ignore',
        AlarmActions: [{ Ref: topicId }],
        OKActions: [{ Ref: topicId }],
      });
      // The runbook: which devices, and where they are named.
      expect(String(alarm.AlarmDescription)).toMatch(name === 'backups-failing' ? /"Backups Failing" notice on this topic names each device once/ : /"Backups Stale" notice on this topic names each device once/);
    }
    expect(JSON.stringify(alarms)).not.toMatch(/ar11-daily|ar11-weekdays|ar11-manual/);
  });

  it('sends the health check\'s notices (devices that started failing or went stale) to the topic', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['backup-runner'], 'detail-type': ['Backups Failing', 'Backups Stale'] },
      Targets: [Match.objectLike({ Arn: { Ref: topicId }, DeadLetterConfig: Match.anyValue() })],
    });
  });

  it('keeps device health in an on-demand table the reporter updates and the check scans, nothing more', () => {
    const tableId = logicalIdContaining(resources, 'AWS::DynamoDB::Table', 'DeviceHealth');
    expect(resources[tableId]!.Properties).toMatchObject({
      KeySchema: [{ AttributeName: 'deviceId', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    });
    const dynamo = (part: string) =>
      roleStatements(resources, roleOf(resources[logicalIdContaining(resources, 'AWS::Lambda::Function', part)]!)).filter((s) => s.Action.some((a) => a.startsWith('dynamodb:')));
    expect(dynamo('ReportFunction')).toEqual([{ Effect: 'Allow', Action: ['dynamodb:UpdateItem'], Resource: [`\${${tableId}.Arn}`] }]);
    expect(dynamo('FreshnessCheckFunction')).toEqual([{ Effect: 'Allow', Action: ['dynamodb:Scan'], Resource: [`\${${tableId}.Arn}`] }]);
  });

  it('watches the watchers: freshness heartbeat, reporter and dispatcher errors, undelivered events', () => {
    expect(alarmNamed('freshness-check-missing')).toMatchObject({ MetricName: 'FreshnessDevicesChecked', TreatMissingData: 'breaching', ComparisonOperator: 'LessThanThreshold' });
    expect(stack.monitoring.alarms.all()).toHaveLength(7);
    expect(alarmNamed('reporter-errors')).toMatchObject({ Namespace: 'AWS/Lambda', MetricName: 'Errors' });
    expect(alarmNamed('dispatcher-errors')).toMatchObject({ Namespace: 'AWS/Lambda', MetricName: 'Errors' });
    expect(alarmNamed('prune-failed')).toMatchObject({ Namespace: 'AWS/Lambda', MetricName: 'Errors' });
    expect(alarmNamed('undelivered-events')).toMatchObject({ MetricName: 'ApproximateNumberOfMessagesVisible', AlarmActions: [{ Ref: topicId }] });
  });

  it('runs the fleet health check hourly with list-only access to the archive prefix, and tells it its period', () => {
    const fn = logicalIdContaining(resources, 'AWS::Lambda::Function', 'FreshnessCheckFunction');
    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(1 hour)', Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [fn, 'Arn'] } })] });
    expect(resources[fn]!.Properties).toMatchObject({ Environment: { Variables: { CHECK_EVERY_MINUTES: '60' } } });
    const statements = roleStatements(resources, roleOf(resources[fn]!)).filter((s) => s.Action.some((a) => a.startsWith('s3:')));
    expect(statements).toEqual([expect.objectContaining({ Action: ['s3:ListBucket'] })]);
  });

  it('checks every 15 minutes when a device\'s staleness threshold is under 6 hours', () => {
    const from = new Date('2026-03-01T00:00:00Z');
    const devices = (rrule: string) => parseConfig({ archive: {}, devices: [{ id: 'a', type: 'riverbed-npm-v1', url: 'https://a.example.net', secret: 'backup-runner/a', schedule: { rrule } }] });
    // Every 3 hours: threshold 4.5 h.
    expect(freshnessInterval(devices('FREQ=HOURLY;INTERVAL=3'), from).toMinutes()).toBe(15);
    expect(freshnessInterval(devices('FREQ=HOURLY;INTERVAL=4'), from).toMinutes()).toBe(60);
    expect(freshnessInterval(devices('FREQ=DAILY'), from).toMinutes()).toBe(60);
  });

  it('sends restore outcomes to the topic', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['backup-runner'], 'detail-type': ['Restore Succeeded', 'Restore Failed'] },
      Targets: [Match.objectLike({ Arn: { Ref: topicId }, DeadLetterConfig: Match.anyValue() })],
    });
  });

  it('has a dashboard with fleet totals, per-device SEARCH graphs and the alarms', () => {
    const body = JSON.stringify(template.findResources('AWS::CloudWatch::Dashboard'));
    expect(body).toContain('BackupsSucceeded');
    expect(body).toContain('NewestBackupAgeHours');
    expect(body).toContain('SEARCH(');
    expect(body).toContain('TransferMegabytesPerSecond');
    expect(body).toContain('alarm');
  });

  it('publishes the outputs the CLI reads', () => {
    const outputs = template.toJSON().Outputs as Record<string, unknown>;
    expect(Object.keys(outputs)).toEqual(expect.arrayContaining(['ArchiveBucketName', 'ArchivePrefix', 'BackupStateMachineArn', 'RestoreStateMachineArn', 'AlertsTopicArn', 'DashboardName']));
  });

  it('refuses a malformed alerts.email at config load, naming the field', () => {
    expect(() => monitoredConfig({ email: 'not-an-address' })).toThrow(/alerts\.email/);
  });
});
