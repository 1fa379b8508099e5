import { ConditionalCheckFailedException, ScanCommand, UpdateItemCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { MAX_CAUSE_CHARS, type DeviceHealthStore, type FailingDevice, type HealthTransition } from './device-health';

/** The part of the SDK client this adapter uses. */
export type DynamoDbLike = Pick<DynamoDBClient, 'send'>;

/** A device's record goes this long after its last backup (a device removed from the fleet leaves no trace for ever). */
const RECORD_DAYS = 400;

/**
 * Device health in a DynamoDB table keyed by `deviceId` (infra/constructs/fleet-health.ts). One
 * conditional UpdateItem per finished backup: the condition drops an outcome older than the one
 * recorded, and the old item it returns says whether this outcome changed the device's state.
 * The failing devices are read with one Scan (a filter on `failingSince`): about 1 MB a page, so
 * 50,000 devices are 10 pages an hour.
 */
export function dynamoDbHealthStore(client: DynamoDbLike, tableName: string): DeviceHealthStore {
  return {
    async record(outcome, recordedAt) {
      const common: Record<string, AttributeValue> = {
        ':at': { S: outcome.stoppedAt },
        ':name': { S: outcome.executionName },
        ':expires': { N: String(Math.floor(Date.parse(outcome.stoppedAt) / 1000) + RECORD_DAYS * 86_400) },
      };
      const command = outcome.failed
        ? new UpdateItemCommand({
            TableName: tableName,
            Key: { deviceId: { S: outcome.deviceId } },
            UpdateExpression: [
              'SET lastStoppedAt = :at, lastExecution = :name, lastOutcome = :failed, expiresAt = :expires',
              'failingSince = if_not_exists(failingSince, :at)',
              'failingRecordedAt = if_not_exists(failingRecordedAt, :recorded)',
              'failingExecution = if_not_exists(failingExecution, :name)',
              'failingError = if_not_exists(failingError, :error)',
              'failingCause = if_not_exists(failingCause, :cause)',
            ].join(', '),
            ConditionExpression: 'attribute_not_exists(lastStoppedAt) OR lastStoppedAt < :at',
            ExpressionAttributeValues: {
              ...common,
              ':failed': { S: 'failed' },
              ':recorded': { S: recordedAt.toISOString() },
              ':error': { S: outcome.error || 'Error' },
              ':cause': { S: (outcome.cause ?? '').slice(0, MAX_CAUSE_CHARS) || '(no cause given)' },
            },
            ReturnValues: 'ALL_OLD',
          })
        : new UpdateItemCommand({
            TableName: tableName,
            Key: { deviceId: { S: outcome.deviceId } },
            UpdateExpression:
              'SET lastStoppedAt = :at, lastExecution = :name, lastOutcome = :succeeded, expiresAt = :expires REMOVE failingSince, failingRecordedAt, failingExecution, failingError, failingCause',
            ConditionExpression: 'attribute_not_exists(lastStoppedAt) OR lastStoppedAt < :at',
            ExpressionAttributeValues: { ...common, ':succeeded': { S: 'succeeded' } },
            ReturnValues: 'ALL_OLD',
          });
      let old: Record<string, AttributeValue> | undefined;
      try {
        old = (await client.send(command)).Attributes;
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException || (error as { name?: string }).name === 'ConditionalCheckFailedException') return 'stale-outcome';
        throw error;
      }
      const wasFailing = old?.failingSince?.S !== undefined;
      return transition(outcome.failed, wasFailing);
    },

    async failing() {
      const found: FailingDevice[] = [];
      let start: Record<string, AttributeValue> | undefined;
      do {
        const page = await client.send(
          new ScanCommand({
            TableName: tableName,
            FilterExpression: 'attribute_exists(failingSince)',
            ProjectionExpression: 'deviceId, failingSince, failingRecordedAt, failingExecution, failingError, failingCause',
            ExclusiveStartKey: start,
          }),
        );
        for (const item of page.Items ?? []) {
          const deviceId = item.deviceId?.S;
          const since = item.failingSince?.S;
          if (!deviceId || !since) continue;
          found.push({
            deviceId,
            since,
            recordedAt: item.failingRecordedAt?.S ?? since,
            executionName: item.failingExecution?.S ?? '',
            error: item.failingError?.S ?? 'Error',
            cause: item.failingCause?.S ?? '',
          });
        }
        start = page.LastEvaluatedKey;
      } while (start);
      return found.sort((a, b) => (a.deviceId < b.deviceId ? -1 : a.deviceId > b.deviceId ? 1 : 0));
    },
  };
}

function transition(failed: boolean, wasFailing: boolean): HealthTransition {
  if (failed) return wasFailing ? 'still-failing' : 'became-failing';
  return wasFailing ? 'recovered' : 'still-ok';
}
