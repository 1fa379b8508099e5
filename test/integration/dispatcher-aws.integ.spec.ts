import { CreateBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DispatcherStateConflict, eventBridgeSkipSink, s3DispatcherStateStore } from '../../lambdas/dispatcher';
import { motoAvailable, startMoto, type MotoServer } from './support/moto';

/**
 * The dispatcher's AWS adapters that s3rver cannot exercise, against moto_server: EventBridge
 * PutEvents (signed JSON 1.1 request) and the state object's conditional writes.
 */
const RUN = motoAvailable('dispatcher-aws.integ.spec.ts');

let moto: MotoServer;
let s3: S3Client;

beforeAll(async () => {
  if (!RUN) return;
  moto = await startMoto();
  s3 = moto.client();
  await s3.send(new CreateBucketCommand({ Bucket: 'dispatch-state' }));
});
afterAll(async () => {
  await moto?.close();
});

describe.runIf(RUN)('dispatcher adapters against moto_server', () => {
  it('puts Backup Skipped events on the default bus, in batches of 10', async () => {
    const sink = eventBridgeSkipSink(
      new EventBridgeClient({ region: 'us-east-1', endpoint: moto.endpoint, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } }),
    );
    const events = Array.from({ length: 12 }, (_, i) => ({
      deviceId: `dev-${i}`,
      occurrence: '2026-11-22T01:00:00Z',
      reason: 'running' as const,
      message: `dev-${i}: occurrence 2026-11-22T01:00:00Z not started: a backup of this device is still running`,
    }));
    await expect(sink.publish(events)).resolves.toBe(0);
  });

  it('writes the state only over the version it read', async () => {
    const store = s3DispatcherStateStore(s3, 'dispatch-state');
    const empty = await store.load();
    expect(empty).toEqual({ state: undefined, token: undefined });
    await store.save({ version: 1, lastTick: '2026-11-22T01:00:00.000Z', pending: [] }, empty.token);
    const read = await store.load();
    expect(read.state?.lastTick).toBe('2026-11-22T01:00:00.000Z');
    await store.save({ version: 1, lastTick: '2026-11-22T01:05:00.000Z', pending: [] }, read.token);
    // A tick that read the older version loses.
    await expect(store.save({ version: 1, lastTick: '2026-11-22T01:05:30.000Z', pending: [] }, read.token)).rejects.toBeInstanceOf(DispatcherStateConflict);
    // And one that thinks there is no state yet loses too.
    await expect(store.save({ version: 1, lastTick: '2026-11-22T01:05:30.000Z', pending: [] }, undefined)).rejects.toBeInstanceOf(DispatcherStateConflict);
    expect((await store.load()).state?.lastTick).toBe('2026-11-22T01:05:00.000Z');
  });
});
