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
      { id: 'ar11-daily', type: 'riverbed-npm-v1', url: 'https://a.example.net', secret: 's/a', schedule: { rrule: 'FREQ=DAILY;BYHOUR=2;BYMINUTE=0', timezone: 'UTC' } },
      { id: 'ar11-weekdays', type: 'riverbed-npm-v1', url: 'https://b.example.net', secret: 's/b', schedule: { rrule: 'FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR;BYHOUR=2;BYMINUTE=0', timezone: 'UTC' } },
      { id: 'ar11-manual', type: 'riverbed-npm-v1', url: 'https://c.example.net', secret: 's/c' },
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

  it('alarms once per failing device: latest-backup-failed, kept between runs until a success', () => {
    for (const id of ['ar11-daily', 'ar11-weekdays', 'ar11-manual']) {
      expect(alarmNamed(`backup-failing-${id}`)).toMatchObject({
        Namespace: 'BackupRunner',
        MetricName: 'LastBackupFailed',
        Dimensions: [{ Name: 'deviceId', Value: id }, { Name: 'service', Value: 'backup-runner' }],
        Statistic: 'Maximum',
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        EvaluationPeriods: 1,
        TreatMissingData: 'ignore',
        AlarmActions: [{ Ref: topicId }],
        OKActions: [{ Ref: topicId }],
      });
    }
  });

  it('alarms per scheduled device when its newest backup is older than 1.5x the longest gap of its schedule', () => {
    expect(alarmNamed('backup-stale-ar11-daily')).toMatchObject({ MetricName: 'NewestBackupAgeHours', Threshold: 36, ComparisonOperator: 'GreaterThanThreshold', TreatMissingData: 'ignore', Period: 3600 });
    // Friday 02:00 to Monday 02:00 is the longest gap: 72 h.
    expect(alarmNamed('backup-stale-ar11-weekdays')).toMatchObject({ Threshold: 108 });
    expect(alarms.filter((a) => JSON.stringify(a.Properties?.AlarmName).includes('stale-ar11-manual'))).toHaveLength(0);
    expect(stack.monitoring.staleHours.get('ar11-daily')).toBe(36);
  });

  it('watches the watchers: freshness heartbeat, reporter and dispatcher errors, undelivered events', () => {
    expect(alarmNamed('freshness-check-missing')).toMatchObject({ MetricName: 'FreshnessDevicesChecked', TreatMissingData: 'breaching', ComparisonOperator: 'LessThanThreshold' });
    expect(alarmNamed('reporter-errors')).toMatchObject({ Namespace: 'AWS/Lambda', MetricName: 'Errors' });
    expect(alarmNamed('dispatcher-errors')).toMatchObject({ Namespace: 'AWS/Lambda', MetricName: 'Errors' });
    expect(alarmNamed('prune-failed')).toMatchObject({ Namespace: 'AWS/Lambda', MetricName: 'Errors' });
    expect(alarmNamed('undelivered-events')).toMatchObject({ MetricName: 'ApproximateNumberOfMessagesVisible', AlarmActions: [{ Ref: topicId }] });
  });

  it('runs the freshness check hourly with list-only access to the archive prefix', () => {
    const fn = logicalIdContaining(resources, 'AWS::Lambda::Function', 'FreshnessCheckFunction');
    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(1 hour)', Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [fn, 'Arn'] } })] });
    const statements = roleStatements(resources, roleOf(resources[fn]!)).filter((s) => s.Action.some((a) => a.startsWith('s3:')));
    expect(statements).toEqual([expect.objectContaining({ Action: ['s3:ListBucket'] })]);
    expect(freshnessInterval(new Map([['a', 4]])).toMinutes()).toBe(15);
    expect(freshnessInterval(new Map([['a', 36]])).toMinutes()).toBe(60);
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
