import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../lambdas/config/load';
import { logicalIdContaining, roleOf, roleStatements, type Resources } from './cfn';
import { fleetConfig, synth } from './fixtures';

/** The fleet of fixtures.ts with a schedule on its first device. */
function scheduledFleet(scheduler: Record<string, unknown> = {}, archive: Record<string, unknown> = {}) {
  const base = fleetConfig({ archive });
  return parseConfig({
    ...JSON.parse(JSON.stringify(base)),
    scheduler: { ...base.scheduler, ...scheduler },
    devices: base.devices.map((d, i) => ({ ...d, ...(i === 0 ? { schedule: { rrule: 'FREQ=DAILY;BYHOUR=2', timezone: 'Europe/Budapest' } } : {}) })),
  });
}

describe('scheduler', () => {
  const { template } = synth(scheduledFleet({ tickMinutes: 10 }));
  const resources = template.toJSON().Resources as Resources;
  const fnId = logicalIdContaining(resources, 'AWS::Lambda::Function', 'DispatcherFunction');
  const machineId = logicalIdContaining(resources, 'AWS::StepFunctions::StateMachine', 'BackupWorkflow');
  const bucketId = logicalIdContaining(resources, 'AWS::S3::Bucket', 'Archive');
  const statements = roleStatements(resources, roleOf(resources[fnId]!));

  it('runs the dispatcher every tickMinutes from an EventBridge rule, retrying a tick at most while it is current', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(10 minutes)',
      State: 'ENABLED',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [fnId, 'Arn'] }, RetryPolicy: { MaximumEventAgeInSeconds: 600, MaximumRetryAttempts: 2 } })],
    });
    template.hasResourceProperties('AWS::Lambda::Permission', { Action: 'lambda:InvokeFunction', Principal: 'events.amazonaws.com', FunctionName: { 'Fn::GetAtt': [fnId, 'Arn'] } });
  });

  it('bundles the dispatch handler like every runner function, and tells it the state machine and the state object', () => {
    expect(resources[fnId]!.Properties).toMatchObject({
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      Environment: {
        Variables: {
          BACKUP_STATE_MACHINE_ARN: { Ref: machineId },
          ARCHIVE_BUCKET: { Ref: bucketId },
          DISPATCHER_STATE_KEY: '_backup-runner/dispatcher-state.json',
        },
      },
    });
  });

  it('may start and list executions of the backup state machine only, read/write only the state object, and put events on the default bus', () => {
    expect(statements).toEqual([
      { Effect: 'Allow', Action: ['states:StartExecution', 'states:ListExecutions'], Resource: [`\${${machineId}}`] },
      {
        Effect: 'Allow',
        Action: ['states:DescribeExecution'],
        Resource: [`arn:\${AWS::Partition}:states:\${AWS::Region}:\${AWS::AccountId}:execution:\${${machineId}.Name}:*`],
      },
      { Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject'], Resource: [`\${${bucketId}.Arn}/_backup-runner/dispatcher-state.json`] },
      { Effect: 'Allow', Action: ['events:PutEvents'], Resource: ['arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:event-bus/default'] },
    ]);
  });

  it('reads no device secret and gets no other S3 permission', () => {
    const actions = statements.flatMap((s) => s.Action);
    expect(actions.filter((a) => a.startsWith('secretsmanager:'))).toEqual([]);
    expect(actions.filter((a) => a.startsWith('s3:')).sort()).toEqual(['s3:GetObject', 's3:PutObject']);
  });

  it('with SSE-KMS, may use the bucket key for its state object', () => {
    const r = synth(scheduledFleet({}, { encryption: { kms: { create: true } } })).template.toJSON().Resources as Resources;
    const st = roleStatements(r, roleOf(r[logicalIdContaining(r, 'AWS::Lambda::Function', 'DispatcherFunction')]!));
    const keyId = logicalIdContaining(r, 'AWS::KMS::Key', 'Archive');
    expect(st.find((s) => s.Action.includes('kms:GenerateDataKey'))).toEqual({ Effect: 'Allow', Action: ['kms:GenerateDataKey', 'kms:Decrypt'], Resource: [`\${${keyId}.Arn}`] });
  });

  it('defaults to a 5-minute tick', () => {
    synth(scheduledFleet()).template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(5 minutes)' });
  });

  it('is left out when no device has a schedule', () => {
    const r = synth(fleetConfig()).template.toJSON().Resources as Resources;
    // The monitoring's rules (status changes, notices, the fleet health check) remain; no tick.
    const scheduled = Object.entries(r).filter(([, x]) => x.Type === 'AWS::Events::Rule' && x.Properties?.ScheduleExpression !== undefined);
    expect(scheduled.map(([id]) => id)).toEqual([expect.stringMatching(/^MonitoringFreshness/)]);
    expect(Object.keys(r).filter((id) => id.includes('Dispatcher'))).toEqual([]);
  });

  it('refuses a tick that is not a whole number of minutes at config load', () => {
    expect(() => scheduledFleet({ tickMinutes: 2.5 })).toThrow(/scheduler\.tickMinutes: tickMinutes must be a whole number/);
    expect(() => scheduledFleet({ maxConcurrentBackups: 0 })).toThrow(/scheduler\.maxConcurrentBackups: maxConcurrentBackups must be at least 1/);
  });
});
