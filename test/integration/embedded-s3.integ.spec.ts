import {
  AbortMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  ListBucketsCommand,
  ListMultipartUploadsCommand,
  PutObjectCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedS3, type EmbeddedS3 } from '../../cli/local/embedded-s3';

let directory: string;
let s3: EmbeddedS3;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'embedded-s3-'));
  s3 = await startEmbeddedS3({ directory, buckets: ['archive', 'other'] });
});

afterAll(async () => {
  await s3?.close();
  await rm(directory, { recursive: true, force: true });
});

describe('startEmbeddedS3', () => {
  it('listens on a loopback port chosen by the OS and creates the buckets', async () => {
    expect(s3.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(s3.endpoint).not.toBe('http://127.0.0.1:4568');
    const { Buckets } = await s3.client.send(new ListBucketsCommand({}));
    expect(Buckets?.map((b) => b.Name).sort()).toEqual(['archive', 'other']);
  });

  it('keeps a streamed PutObject body byte for byte', async () => {
    const data = randomBytes(1000);
    await s3.client.send(new PutObjectCommand({ Bucket: 'archive', Key: 'put/stream.bin', Body: Readable.from([data]), ContentLength: data.length }));
    const got = await s3.client.send(new GetObjectCommand({ Bucket: 'archive', Key: 'put/stream.bin' }));
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(data)).toBe(true);
  });

  it('takes lib-storage multipart uploads', async () => {
    const data = randomBytes(11 * 1024 * 1024);
    await new Upload({ client: s3.client, params: { Bucket: 'archive', Key: 'mpu/a.bin', Body: Readable.from([data]) }, partSize: 5 * 1024 * 1024 }).done();
    const got = await s3.client.send(new GetObjectCommand({ Bucket: 'archive', Key: 'mpu/a.bin' }));
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(data)).toBe(true);
  });

  it('lists and aborts multipart uploads, which s3rver itself does not', async () => {
    const { UploadId } = await s3.client.send(new CreateMultipartUploadCommand({ Bucket: 'other', Key: 'open/upload.bin' }));
    await s3.client.send(new UploadPartCommand({ Bucket: 'other', Key: 'open/upload.bin', UploadId, PartNumber: 1, Body: randomBytes(1024) }));
    const open = await s3.client.send(new ListMultipartUploadsCommand({ Bucket: 'other' }));
    expect(open.Uploads?.map((u) => [u.Key, u.UploadId])).toEqual([['open/upload.bin', UploadId]]);

    await s3.client.send(new AbortMultipartUploadCommand({ Bucket: 'other', Key: 'open/upload.bin', UploadId }));
    const after = await s3.client.send(new ListMultipartUploadsCommand({ Bucket: 'other' }));
    expect(after.Uploads ?? []).toEqual([]);
    await expect(
      s3.client.send(new AbortMultipartUploadCommand({ Bucket: 'other', Key: 'open/upload.bin', UploadId })),
    ).rejects.toMatchObject({ name: 'NoSuchUpload' });
  });

  it('keeps the data in its directory across restarts', async () => {
    const again = await startEmbeddedS3({ directory, buckets: ['archive'] });
    try {
      const got = await again.client.send(new GetObjectCommand({ Bucket: 'archive', Key: 'mpu/a.bin' }));
      expect(got.ContentLength).toBe(11 * 1024 * 1024);
      expect(again.endpoint).not.toBe(s3.endpoint);
    } finally {
      await again.close();
    }
  });
});
