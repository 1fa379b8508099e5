import { AbortMultipartUploadCommand, CreateMultipartUploadCommand, GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedS3, type EmbeddedS3 } from '../../cli/local/embedded-s3';
import { DeviceUnreachable, IntegrityError } from '../../lambdas/common/errors';
import { transferResumable } from '../../lambdas/transfer/resumable/transfer-resumable';
import { leftovers } from './support/archive-state';
import { generatedStream } from './support/generated-stream';

const MiB = 1024 * 1024;
const bucket = 'archive';
let directory: string;
let s3: EmbeddedS3;
/** Names of the S3 commands sent, to show which failures reached S3 as a multipart upload. */
const commandsSent: string[] = [];

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'transfer-integ-'));
  s3 = await startEmbeddedS3({ directory, buckets: [bucket] });
  s3.client.middlewareStack.add(
    (next, context) => (args) => {
      commandsSent.push(context.commandName ?? '?');
      return next(args);
    },
    { step: 'initialize', name: 'recordCommands' },
  );
});

afterAll(async () => {
  await s3?.close();
  await rm(directory, { recursive: true, force: true });
});

/**
 * TransferToArchive's uploader (transferResumable, the production path) with no deadline: one
 * invocation; PutObject for a file within one part, a multipart upload beyond.
 */
async function upload(key: string, body: Readable, expectedSize: number | undefined, metadata?: Record<string, string>) {
  const result = await transferResumable({
    s3: s3.client,
    bucket,
    key,
    deviceId: 'ar11-lab',
    artifact: { body, size: expectedSize, contentType: 'application/x-gzip' },
    checksum: 'none',
    ...(metadata ? { metadata } : {}),
  });
  if (result.status !== 'complete') throw new Error(`expected the transfer to complete, got ${JSON.stringify(result)}`);
  return result.object;
}

async function sha256Of(key: string): Promise<{ size: number; sha256: string }> {
  const { Body } = await s3.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of Body as Readable) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { size, sha256: hash.digest('hex') };
}

describe('transferResumable (TransferToArchive) against s3rver', () => {
  it('archives a 64 MiB stream exactly', async () => {
    const key = 'backups/ar11-lab/2026/02/27/20260227T154600Z-ok.tar.gz';
    const body = generatedStream({ size: 64 * MiB });
    const result = await upload(key, body, 64 * MiB, { 'device-id': 'ar11-lab' });
    expect(result.size).toBe(64 * MiB);
    expect(result.sha256).toBe(body.sha256());
    expect(await sha256Of(key)).toEqual({ size: 64 * MiB, sha256: body.sha256() });
    const head = await s3.client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    expect(head.ContentType).toBe('application/x-gzip');
    expect(head.Metadata).toEqual({ 'device-id': 'ar11-lab' });
    expect((await leftovers(s3.client, bucket, key)).openUploads).toEqual([]);
  });

  it('archives a small stream of unknown size with one PUT', async () => {
    const key = 'backups/ar11-lab/small.json';
    const body = generatedStream({ size: 1234 });
    const result = await upload(key, body, undefined);
    expect(await sha256Of(key)).toEqual({ size: 1234, sha256: result.sha256 });
  });

  it('the leftover check sees an open multipart upload', async () => {
    // Guards the checks below: they would pass vacuously if listing never returned anything.
    const key = 'backups/probe/open.bin';
    const { UploadId } = await s3.client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
    expect((await leftovers(s3.client, bucket, key)).openUploads).toContain(key);
    await s3.client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId }));
  });

  describe.each([
    {
      what: 'a multipart stream that ends early',
      multipart: true,
      expectedSize: 30 * MiB,
      body: () => generatedStream({ size: 27 * MiB }),
      error: IntegrityError,
      message: `ar11-lab: the backup stream ended early: expected ${30 * MiB} bytes, received ${27 * MiB}`,
    },
    {
      what: 'a single-part stream that ends early',
      multipart: false,
      expectedSize: 5000,
      body: () => generatedStream({ size: 4000 }),
      error: IntegrityError,
      message: 'expected 5000 bytes, received 4000',
    },
    {
      what: 'an oversized multipart stream',
      multipart: true,
      expectedSize: 20 * MiB,
      body: () => generatedStream({ size: 40 * MiB }),
      error: IntegrityError,
      message: `more bytes than the ${20 * MiB} the device announced`,
    },
    {
      what: 'an oversized small stream',
      multipart: false,
      expectedSize: 1000,
      body: () => generatedStream({ size: 50_000 }),
      error: IntegrityError,
      message: 'more bytes than the 1000 the device announced',
    },
    {
      what: 'a stream that fails mid-way',
      multipart: true,
      expectedSize: 40 * MiB,
      body: () => generatedStream({ size: 40 * MiB, failAfter: 25 * MiB, failWith: new DeviceUnreachable('connection reset by peer', { deviceId: 'ar11-lab' }) }),
      error: DeviceUnreachable,
      message: 'ar11-lab: connection reset by peer',
    },
  ])('$what', ({ what, multipart, expectedSize, body, error, message }) => {
    it('fails with a typed error and leaves no object and no open multipart upload', async () => {
      const key = `backups/ar11-lab/2026/02/27/${what.replaceAll(' ', '-')}.tar.gz`;
      commandsSent.length = 0;
      const failure = upload(key, body(), expectedSize);
      await expect(failure).rejects.toThrow(error);
      await expect(failure).rejects.toThrow(message);
      // Multipart cases really had parts in S3 to clean up; small ones never sent anything.
      if (multipart) {
        expect(commandsSent).toContain('UploadPartCommand');
        expect(commandsSent).toContain('AbortMultipartUploadCommand');
      } else {
        expect(commandsSent).toEqual([]);
      }
      expect(commandsSent).not.toContain('CompleteMultipartUploadCommand');
      expect(await leftovers(s3.client, bucket, key)).toEqual({ object: false, listedKeys: [], openUploads: [] });
    });
  });
});
