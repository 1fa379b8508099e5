import { CreateTableCommand, DynamoDBClient, UpdateTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dynamoConditionalStore, STATE_TABLE_KEY, STATE_TABLE_TTL_ATTRIBUTE } from '../../lambdas/state/dynamodb-store';
import { conditionalStoreContract } from '../support/conditional-store-contract';
import { motoAvailable, startMoto, type MotoServer } from './support/moto';

/**
 * The runner state in DynamoDB, as the stack creates it (on demand, TTL on `expiresAt`), served by
 * moto: the same contract the memory and file stores keep (conditional writes, one winner per
 * race, DeviceLocks refusing a second execution), against the real DynamoDB API.
 */
const RUN = motoAvailable('runner-state-dynamodb.integ.spec.ts');

let moto: MotoServer;
let client: DynamoDBClient;
let tables = 0;

beforeAll(async () => {
  if (!RUN) return;
  moto = await startMoto();
  client = new DynamoDBClient({ endpoint: moto.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
});
afterAll(async () => {
  client?.destroy();
  await moto?.close();
});

/** A fresh table shaped like infra/constructs/runner-state-table.ts's. */
async function freshTable(): Promise<string> {
  const name = `runner-state-${++tables}`;
  await client.send(
    new CreateTableCommand({
      TableName: name,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: STATE_TABLE_KEY, AttributeType: 'S' }],
      KeySchema: [{ AttributeName: STATE_TABLE_KEY, KeyType: 'HASH' }],
    }),
  );
  await client.send(new UpdateTimeToLiveCommand({ TableName: name, TimeToLiveSpecification: { AttributeName: STATE_TABLE_TTL_ATTRIBUTE, Enabled: true } }));
  return name;
}

describe.skipIf(!RUN)('runner state in DynamoDB (moto)', () => {
  conditionalStoreContract([['DynamoDB', async () => dynamoConditionalStore(client, await freshTable())]]);

  it('says which table it could not reach', async () => {
    const store = dynamoConditionalStore(client, 'no-such-table');
    await expect(store.get('lock#ar11')).rejects.toThrow(/cannot read the runner state in DynamoDB table no-such-table: ResourceNotFoundException/);
  });
});
