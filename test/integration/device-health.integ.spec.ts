import { CreateTableCommand, DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dynamoDbHealthStore } from '../../lambdas/monitoring/dynamodb-health-store';
import { motoAvailable, startMoto, type MotoServer } from './support/moto';

/** The DynamoDB device health store against moto's DynamoDB, with the table as the stack defines it (partition key deviceId). */
describe.runIf(motoAvailable('device-health.integ'))('device health in DynamoDB (moto)', () => {
  let moto: MotoServer;
  let client: DynamoDBClient;
  const table = 'device-health';

  beforeAll(async () => {
    moto = await startMoto();
    client = new DynamoDBClient({ endpoint: moto.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
    await client.send(
      new CreateTableCommand({
        TableName: table,
        KeySchema: [{ AttributeName: 'deviceId', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'deviceId', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
  });
  afterAll(async () => {
    client?.destroy();
    await moto?.close();
  });

  const outcome = (deviceId: string, stoppedAt: string, failed: boolean) => ({
    deviceId,
    executionName: `${deviceId}-${stoppedAt.replace(/[-:]/g, '')}`,
    stoppedAt,
    failed,
    ...(failed ? { error: 'DeviceUnreachable', cause: `${deviceId}: connection refused ${'x'.repeat(2000)}` } : {}),
  });

  it('keeps each device\'s latest outcome with conditional writes, and reports the transitions', async () => {
    const store = dynamoDbHealthStore(client, table);
    const recorded = new Date('2026-11-21T03:00:00Z');
    expect(await store.record(outcome('ar11', '2026-11-20T02:10:00.000Z', false), recorded)).toBe('still-ok');
    expect(await store.record(outcome('ar11', '2026-11-21T02:10:00.000Z', true), recorded)).toBe('became-failing');
    expect(await store.record(outcome('ar11', '2026-11-22T02:10:00.000Z', true), new Date('2026-11-22T03:00:00Z'))).toBe('still-failing');
    // A redelivered or late event: the condition refuses it, nothing changes.
    expect(await store.record(outcome('ar11', '2026-11-22T02:10:00.000Z', true), recorded)).toBe('stale-outcome');
    expect(await store.record(outcome('ar11', '2026-11-20T12:00:00.000Z', false), recorded)).toBe('stale-outcome');
    expect(await store.record(outcome('fg-east', '2026-11-21T02:20:00.000Z', true), recorded)).toBe('became-failing');

    const failing = await store.failing();
    expect(failing.map((f) => f.deviceId)).toEqual(['ar11', 'fg-east']);
    // The streak's first failure, recorded when it happened; the cause is cut to 1,000 characters.
    expect(failing[0]).toMatchObject({ since: '2026-11-21T02:10:00.000Z', recordedAt: recorded.toISOString(), executionName: 'ar11-20261121T021000.000Z', error: 'DeviceUnreachable' });
    expect(failing[0]!.cause).toHaveLength(1000);

    expect(await store.record(outcome('ar11', '2026-11-23T02:10:00.000Z', false), recorded)).toBe('recovered');
    expect((await store.failing()).map((f) => f.deviceId)).toEqual(['fg-east']);
    const item = (await client.send(new GetItemCommand({ TableName: table, Key: { deviceId: { S: 'ar11' } } }))).Item!;
    expect(item.failingSince).toBeUndefined();
    expect(item.lastOutcome).toEqual({ S: 'succeeded' });
    // Expires 400 days after the last backup.
    expect(Number(item.expiresAt!.N)).toBe(Date.parse('2026-11-23T02:10:00.000Z') / 1000 + 400 * 86_400);
  });
});
