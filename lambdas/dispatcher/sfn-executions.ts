import { DescribeExecutionCommand, ListExecutionsCommand, StartExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { mapLimit } from '../common/map-limit';
import { DispatcherError } from './errors';
import { deviceIdFromExecutionName } from '../schedule/execution-names';
import { deviceIdFromExecutionInput } from './execution-input';
import type { BackupExecutions, RunningExecution } from './ports';

/** The part of the SDK client this adapter uses (an SFNClient, or a stand-in in tests). */
export type SfnLike = Pick<SFNClient, 'send'>;

/**
 * The backup state machine through the Step Functions API: ListExecutions (RUNNING, paginated)
 * and StartExecution. An execution whose name does not say its device (not started by the
 * runner) costs one DescribeExecution to read `deviceId` from its input.
 */
export function sfnBackupExecutions(client: SfnLike, stateMachineArn: string): BackupExecutions {
  return {
    async listRunning() {
      const listed: { name: string; executionArn: string }[] = [];
      let nextToken: string | undefined;
      try {
        do {
          const page = await client.send(new ListExecutionsCommand({ stateMachineArn, statusFilter: 'RUNNING', maxResults: 1000, nextToken }));
          for (const e of page.executions ?? []) if (e.name && e.executionArn) listed.push({ name: e.name, executionArn: e.executionArn });
          nextToken = page.nextToken;
        } while (nextToken);
      } catch (error) {
        throw new DispatcherError(`cannot list the running executions of ${stateMachineArn}: ${describe(error)}`, { cause: error });
      }
      return mapLimit(listed, 8, async (e): Promise<RunningExecution> => {
        const fromName = deviceIdFromExecutionName(e.name);
        if (fromName) return { name: e.name, deviceId: fromName };
        try {
          const described = await client.send(new DescribeExecutionCommand({ executionArn: e.executionArn }));
          return { name: e.name, deviceId: deviceIdFromExecutionInput(described.input) };
        } catch {
          // Finished in between, or unreadable: it still counts towards the fleet cap.
          return { name: e.name, deviceId: undefined };
        }
      });
    },

    async start(name, input) {
      try {
        await client.send(new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(input) }));
        return 'started';
      } catch (error) {
        if ((error as { name?: string }).name === 'ExecutionAlreadyExists') return 'already-started';
        throw error;
      }
    },
  };
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
