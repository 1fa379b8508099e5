import { ConditionalCheckFailedException, DeleteItemCommand, GetItemCommand, PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BackupRunnerError } from '../common/errors';
import type { ConditionalStore } from './conditional-store';

/**
 * The table's attributes: the partition key, the JSON value as text, the version the conditions
 * compare, and the TTL attribute the stack's table names (infra/constructs/runner-state-table.ts).
 */
export const STATE_TABLE_KEY = 'pk';
export const STATE_TABLE_TTL_ATTRIBUTE = 'expiresAt';

/** The conditional store as a DynamoDB table (on demand, TTL on `expiresAt`): the deployed stack's. */
export function dynamoConditionalStore(client: Pick<DynamoDBClient, 'send'>, tableName: string): ConditionalStore {
  const fail = (what: string, error: unknown) =>
    new BackupRunnerError(`cannot ${what} the runner state in DynamoDB table ${tableName}: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`, { cause: error });
  const key = (k: string) => ({ [STATE_TABLE_KEY]: { S: k } });
  const conditionally = async (what: string, send: () => Promise<unknown>): Promise<boolean> => {
    try {
      await send();
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException || (error as { name?: string }).name === 'ConditionalCheckFailedException') return false;
      throw fail(what, error);
    }
  };
  return {
    description: `DynamoDB table ${tableName}`,
    async get(k) {
      let item;
      try {
        item = (await client.send(new GetItemCommand({ TableName: tableName, Key: key(k), ConsistentRead: true }))).Item;
      } catch (error) {
        throw fail('read', error);
      }
      if (!item) return undefined;
      const expiresAt = item[STATE_TABLE_TTL_ATTRIBUTE]?.N;
      return {
        value: JSON.parse(item.value?.S ?? '{}') as Record<string, unknown>,
        version: Number(item.version?.N ?? 0),
        ...(expiresAt !== undefined ? { expiresAt: Number(expiresAt) } : {}),
      };
    },
    put: (k, value, condition, expiresAt) =>
      conditionally('write', () =>
        client.send(
          new PutItemCommand({
            TableName: tableName,
            Item: {
              ...key(k),
              value: { S: JSON.stringify(value) },
              version: { N: String('ifAbsent' in condition ? 1 : condition.ifVersion + 1) },
              ...(expiresAt !== undefined ? { [STATE_TABLE_TTL_ATTRIBUTE]: { N: String(expiresAt) } } : {}),
            },
            ...('ifAbsent' in condition
              ? { ConditionExpression: 'attribute_not_exists(#pk)', ExpressionAttributeNames: { '#pk': STATE_TABLE_KEY } }
              : { ConditionExpression: '#version = :version', ExpressionAttributeNames: { '#version': 'version' }, ExpressionAttributeValues: { ':version': { N: String(condition.ifVersion) } } }),
          }),
        ),
      ),
    delete: (k, condition) =>
      conditionally('delete', () =>
        client.send(
          new DeleteItemCommand({
            TableName: tableName,
            Key: key(k),
            ConditionExpression: '#version = :version',
            ExpressionAttributeNames: { '#version': 'version' },
            ExpressionAttributeValues: { ':version': { N: String(condition.ifVersion) } },
          }),
        ),
      ),
  };
}
