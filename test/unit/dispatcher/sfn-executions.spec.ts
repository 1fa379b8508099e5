import { DescribeExecutionCommand, ExecutionAlreadyExists, ListExecutionsCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { deviceIdFromExecutionName, DispatcherError, sfnBackupExecutions } from '../../../lambdas/dispatcher';

const ARN = 'arn:aws:states:eu-central-1:123456789012:stateMachine:BackupRunner';
const sfnMock = mockClient(SFNClient);
afterEach(() => sfnMock.reset());

const execution = (name: string) => ({
  name,
  executionArn: `arn:aws:states:eu-central-1:123456789012:execution:BackupRunner:${name}`,
  stateMachineArn: ARN,
  status: 'RUNNING' as const,
  startDate: new Date(),
});

describe('sfnBackupExecutions', () => {
  it('lists RUNNING executions over every page; the device comes from the name, else from the input', async () => {
    sfnMock
      .on(ListExecutionsCommand, { stateMachineArn: ARN, statusFilter: 'RUNNING', maxResults: 1000, nextToken: undefined })
      .resolves({ executions: [execution('ar11-lab-20261122T0100Z'), execution('edge-manual-20261122T081500Z')], nextToken: 'page-2' })
      .on(ListExecutionsCommand, { stateMachineArn: ARN, statusFilter: 'RUNNING', maxResults: 1000, nextToken: 'page-2' })
      .resolves({ executions: [execution('0f8e2c1a-uuid-from-the-console'), execution('no-input-either')] });
    sfnMock
      .on(DescribeExecutionCommand, { executionArn: execution('0f8e2c1a-uuid-from-the-console').executionArn })
      .resolves({ input: '{"deviceId":"core-fw","occurrence":null}' })
      .on(DescribeExecutionCommand, { executionArn: execution('no-input-either').executionArn })
      .rejects(Object.assign(new Error('gone'), { name: 'ExecutionDoesNotExist' }));
    const running = await sfnBackupExecutions(new SFNClient({ region: 'eu-central-1' }), ARN).listRunning();
    expect(running).toEqual([
      { name: 'ar11-lab-20261122T0100Z', deviceId: 'ar11-lab' },
      { name: 'edge-manual-20261122T081500Z', deviceId: 'edge' },
      { name: '0f8e2c1a-uuid-from-the-console', deviceId: 'core-fw' },
      { name: 'no-input-either', deviceId: undefined },
    ]);
    expect(sfnMock.commandCalls(DescribeExecutionCommand)).toHaveLength(2);
  });

  it('starts with the name and the JSON input; an existing name is "already-started", other errors propagate', async () => {
    sfnMock
      .on(StartExecutionCommand, { name: 'ar11-lab-20261122T0100Z' })
      .resolves({ executionArn: 'arn:x', startDate: new Date() })
      .on(StartExecutionCommand, { name: 'edge-20261122T0100Z' })
      .rejects(new ExecutionAlreadyExists({ message: 'Execution Already Exists', $metadata: {} }))
      .on(StartExecutionCommand, { name: 'core-20261122T0100Z' })
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    const executions = sfnBackupExecutions(new SFNClient({ region: 'eu-central-1' }), ARN);
    const input = { deviceId: 'ar11-lab', occurrence: '2026-11-22T01:00:00Z', trigger: 'schedule' as const };
    await expect(executions.start('ar11-lab-20261122T0100Z', input)).resolves.toBe('started');
    expect(sfnMock.commandCalls(StartExecutionCommand)[0]!.args[0].input).toEqual({ stateMachineArn: ARN, name: 'ar11-lab-20261122T0100Z', input: JSON.stringify(input) });
    await expect(executions.start('edge-20261122T0100Z', { ...input, deviceId: 'edge' })).resolves.toBe('already-started');
    await expect(executions.start('core-20261122T0100Z', { ...input, deviceId: 'core' })).rejects.toMatchObject({ name: 'ThrottlingException' });
  });

  it('fails the tick with a DispatcherError naming the state machine when listing fails', async () => {
    sfnMock.on(ListExecutionsCommand).rejects(Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' }));
    const listing = sfnBackupExecutions(new SFNClient({ region: 'eu-central-1' }), ARN).listRunning();
    await expect(listing).rejects.toBeInstanceOf(DispatcherError);
    await expect(listing).rejects.toThrow(`cannot list the running executions of ${ARN}: AccessDeniedException: not authorized`);
  });
});

describe('deviceIdFromExecutionName', () => {
  it.each([
    ['ar11-lab-20261122T0100Z', 'ar11-lab'],
    ['a-1-2-20261122T0100Z', 'a-1-2'],
    ['ar11-lab-manual-20261122T081500Z', 'ar11-lab'],
    ['ar11-lab', undefined],
    ['AR11-20261122T0100Z', undefined],
    ['0f8e2c1a-2f4b-4c2e-9d1a-5b7c9e0a1f3d', undefined],
  ])('%s -> %s', (name, id) => {
    expect(deviceIdFromExecutionName(name)).toBe(id);
  });
});
