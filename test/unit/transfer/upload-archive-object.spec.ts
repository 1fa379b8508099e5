import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BackupRunnerError, DeviceUnreachable, IntegrityError } from '../../../lambdas/common/errors';
import { MiB } from '../../../lambdas/transfer/part-size';
import { createRunningChecksum } from '../../../lambdas/transfer/full-object-checksum';
import { uploadArchiveObject } from '../../../lambdas/transfer/upload-archive-object';

const s3 = new S3Client({ region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
const s3Mock = mockClient(s3);

afterEach(() => {
  s3Mock.reset();
});

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');
/** The full-object checksum an upload records by default (the implementation has its own check-value tests). */
const crc64 = (data: Buffer) => {
  const running = createRunningChecksum('CRC64NVME');
  running.update(data);
  return { algorithm: 'CRC64NVME', value: running.digestBase64(), type: 'FULL_OBJECT' };
};

/** Deterministic bytes, different in every position that matters for part order. */
function bytes(size: number): Buffer {
  const data = Buffer.alloc(size);
  for (let i = 0; i + 4 <= size; i += 4) data.writeUInt32LE(i, i);
  return data;
}

/** A device stream handing out `data` in 1 MiB chunks, then optionally failing. */
function deviceStream(data: Buffer, failWith?: Error): Readable & { pulledBytes: () => number } {
  let offset = 0;
  const stream = new Readable({
    read() {
      if (offset >= data.length) {
        if (failWith) this.destroy(failWith);
        else this.push(null);
        return;
      }
      const chunk = data.subarray(offset, offset + MiB);
      offset += chunk.length;
      this.push(chunk);
    },
  });
  return Object.assign(stream, { pulledBytes: () => offset });
}

function acceptMultipart() {
  const parts = new Map<number, Buffer>();
  s3Mock.on(CreateMultipartUploadCommand).resolves({ UploadId: 'upload-1' });
  s3Mock.on(UploadPartCommand).callsFake((input: { PartNumber: number; Body: Buffer }) => {
    parts.set(input.PartNumber, Buffer.from(input.Body));
    return { ETag: `"etag-${input.PartNumber}"` };
  });
  s3Mock.on(CompleteMultipartUploadCommand).resolves({ VersionId: 'v-42' });
  s3Mock.on(AbortMultipartUploadCommand).resolves({});
  return parts;
}

const base = {
  s3,
  bucket: 'archive',
  key: 'backups/ar11-lab/2026/02/27/20260227T154600Z-r1.tar.gz',
  contentType: 'application/x-gzip',
  deviceId: 'ar11-lab',
};

describe('uploadArchiveObject', () => {
  it('sends a body smaller than a part as one PutObject with type and metadata', async () => {
    s3Mock.on(PutObjectCommand).resolves({ VersionId: 'v-1' });
    const data = bytes(3 * MiB + 7);
    const result = await uploadArchiveObject({ ...base, body: deviceStream(data), expectedSize: data.length, metadata: { device: 'ar11-lab' } });
    expect(result).toEqual({ size: data.length, sha256: sha256(data), versionId: 'v-1', checksum: crc64(data) });
    const puts = s3Mock.commandCalls(PutObjectCommand);
    expect(puts).toHaveLength(1);
    const input = puts[0]!.args[0].input;
    expect(input).toMatchObject({ Bucket: 'archive', Key: base.key, ContentType: 'application/x-gzip', Metadata: { device: 'ar11-lab' } });
    expect(Buffer.from(input.Body as Buffer).equals(data)).toBe(true);
    expect(s3Mock.commandCalls(CreateMultipartUploadCommand)).toHaveLength(0);
  });

  it('uploads larger bodies in parts of the given size, in order, and completes', async () => {
    const parts = acceptMultipart();
    const data = bytes(12 * MiB + 5);
    const result = await uploadArchiveObject({ ...base, body: deviceStream(data), expectedSize: data.length, partSize: 5 * MiB });
    expect(result).toEqual({ size: data.length, sha256: sha256(data), versionId: 'v-42', checksum: crc64(data) });
    expect([...parts.keys()].sort()).toEqual([1, 2, 3]);
    expect(parts.get(1)!.length).toBe(5 * MiB);
    expect(Buffer.concat([1, 2, 3].map((n) => parts.get(n)!)).equals(data)).toBe(true);
    const complete = s3Mock.commandCalls(CompleteMultipartUploadCommand)[0]!.args[0].input;
    expect(complete.MultipartUpload?.Parts?.map((p) => p.PartNumber)).toEqual([1, 2, 3]);
    expect(s3Mock.commandCalls(CreateMultipartUploadCommand)[0]!.args[0].input.ContentType).toBe('application/x-gzip');
    expect(s3Mock.commandCalls(AbortMultipartUploadCommand)).toHaveLength(0);
  });

  it('takes the part size from the expected size when none is given (8 MiB floor)', async () => {
    const parts = acceptMultipart();
    const data = bytes(9 * MiB);
    await uploadArchiveObject({ ...base, body: deviceStream(data), expectedSize: data.length });
    expect(parts.get(1)!.length).toBe(8 * MiB);
    expect(parts.get(2)!.length).toBe(1 * MiB);
  });

  it('accepts any length when the size is unknown', async () => {
    s3Mock.on(PutObjectCommand).resolves({});
    const data = bytes(1000);
    const result = await uploadArchiveObject({ ...base, body: deviceStream(data), expectedSize: undefined });
    expect(result).toEqual({ size: 1000, sha256: sha256(data), checksum: crc64(data) });
  });

  it('aborts instead of completing when a multipart stream ends early', async () => {
    acceptMultipart();
    const data = bytes(11 * MiB);
    const failure = uploadArchiveObject({ ...base, body: deviceStream(data), expectedSize: 12 * MiB, partSize: 5 * MiB });
    await expect(failure).rejects.toThrow(IntegrityError);
    await expect(failure).rejects.toThrow(`ar11-lab: the backup stream ended early: expected ${12 * MiB} bytes, received ${11 * MiB}`);
    expect(s3Mock.commandCalls(CompleteMultipartUploadCommand)).toHaveLength(0);
    expect(s3Mock.commandCalls(AbortMultipartUploadCommand).map((c) => c.args[0].input)).toEqual([
      { Bucket: 'archive', Key: base.key, UploadId: 'upload-1' },
    ]);
  });

  it('sends nothing at all when a small stream ends early', async () => {
    const failure = uploadArchiveObject({ ...base, body: deviceStream(bytes(100)), expectedSize: 200 });
    await expect(failure).rejects.toThrow('expected 200 bytes, received 100');
    expect(s3Mock.calls()).toHaveLength(0);
  });

  it('fails as soon as the stream passes the announced size, without reading the rest', async () => {
    acceptMultipart();
    // An endless device stream: only an early check can end this test.
    let pulled = 0;
    const endless = new Readable({
      read() {
        pulled += MiB;
        this.push(Buffer.alloc(MiB, 1));
      },
    });
    const failure = uploadArchiveObject({ ...base, body: endless, expectedSize: 6 * MiB + 1, partSize: 5 * MiB });
    await expect(failure).rejects.toThrow(`more bytes than the ${6 * MiB + 1} the device announced (at least ${7 * MiB} received)`);
    expect(pulled).toBeLessThan(10 * MiB);
    expect(endless.destroyed).toBe(true);
    expect(s3Mock.commandCalls(CompleteMultipartUploadCommand)).toHaveLength(0);
    expect(s3Mock.commandCalls(AbortMultipartUploadCommand)).toHaveLength(1);
  });

  it('rethrows a device stream error as it is and aborts the upload', async () => {
    acceptMultipart();
    const reset = new DeviceUnreachable('connection reset while downloading the backup', { deviceId: 'ar11-lab' });
    const failure = uploadArchiveObject({ ...base, body: deviceStream(bytes(11 * MiB), reset), expectedSize: 20 * MiB, partSize: 5 * MiB });
    await expect(failure).rejects.toBe(reset);
    expect(s3Mock.commandCalls(AbortMultipartUploadCommand)).toHaveLength(1);
    expect(s3Mock.commandCalls(CompleteMultipartUploadCommand)).toHaveLength(0);
  });

  it('keeps the device error when the abort itself fails, and logs the abort failure', async () => {
    acceptMultipart();
    s3Mock.on(AbortMultipartUploadCommand).rejects(new Error('MethodNotAllowed'));
    const log = { debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error: vi.fn() };
    const reset = new DeviceUnreachable('socket hang up', { deviceId: 'ar11-lab' });
    const failure = uploadArchiveObject({ ...base, body: deviceStream(bytes(11 * MiB), reset), expectedSize: undefined, partSize: 5 * MiB, log });
    await expect(failure).rejects.toBe(reset);
    expect(log.error).toHaveBeenCalledWith(expect.stringContaining('could not abort'), expect.objectContaining({ uploadId: 'upload-1', deviceId: 'ar11-lab' }));
  });

  it('treats a device stream that closes without ending as unreachable', async () => {
    acceptMultipart();
    let sent = 0;
    const dropped = new Readable({
      read() {
        if (sent >= 11 * MiB) {
          this.destroy();
          return;
        }
        sent += MiB;
        this.push(Buffer.alloc(MiB));
      },
    });
    const failure = uploadArchiveObject({ ...base, body: dropped, expectedSize: undefined, partSize: 5 * MiB });
    await expect(failure).rejects.toThrow(DeviceUnreachable);
    await expect(failure).rejects.toThrow('ar11-lab: the backup stream closed before its end');
    expect(s3Mock.commandCalls(AbortMultipartUploadCommand)).toHaveLength(1);
  });

  it('reports an S3 failure as it is, aborts, and releases the device stream', async () => {
    acceptMultipart();
    const denied = new S3ServiceException({ name: 'AccessDenied', $fault: 'client', $metadata: {}, message: 'Access Denied' });
    s3Mock.on(UploadPartCommand).rejects(denied);
    const body = deviceStream(bytes(30 * MiB));
    const failure = uploadArchiveObject({ ...base, body, expectedSize: 30 * MiB, partSize: 5 * MiB });
    await expect(failure).rejects.toThrow('Access Denied');
    expect(body.destroyed).toBe(true);
    expect(body.pulledBytes()).toBeLessThan(30 * MiB);
    expect(s3Mock.commandCalls(AbortMultipartUploadCommand)).toHaveLength(1);
    expect(s3Mock.commandCalls(CompleteMultipartUploadCommand)).toHaveLength(0);
  });

  it.each([
    { partSize: 1024, queueSize: undefined, message: /partSize 1024 must be/ },
    { partSize: undefined, queueSize: 0, message: /queueSize 0 must be/ },
  ])('refuses partSize $partSize / queueSize $queueSize before touching S3', async ({ partSize, queueSize, message }) => {
    const body = deviceStream(bytes(10));
    const failure = uploadArchiveObject({ ...base, body, expectedSize: 10, partSize, queueSize });
    await expect(failure).rejects.toThrow(BackupRunnerError);
    await expect(failure).rejects.toThrow(message);
    await expect(failure).rejects.toThrow(/^ar11-lab: cannot upload s3:\/\/archive\//);
    expect(body.destroyed).toBe(true);
    expect(s3Mock.calls()).toHaveLength(0);
  });

  it('refuses an announced size S3 cannot store', async () => {
    const failure = uploadArchiveObject({ ...base, body: deviceStream(bytes(1)), expectedSize: 6 * 1024 ** 4 });
    await expect(failure).rejects.toThrow(/ar11-lab: .*exceeds S3's largest object, 5 TiB/);
  });
});

describe('uploadArchiveObject: full-object checksum and tags', () => {
  it('asks S3 for a FULL_OBJECT CRC64NVME by default, and accepts the value S3 reports when it matches', async () => {
    const data = bytes(2000);
    s3Mock.on(PutObjectCommand).resolves({ ChecksumCRC64NVME: crc64(data).value, ChecksumType: 'FULL_OBJECT' });
    const result = await uploadArchiveObject({ ...base, body: deviceStream(data), expectedSize: data.length });
    expect(result.checksum).toEqual(crc64(data));
    expect(s3Mock.commandCalls(PutObjectCommand)[0]!.args[0].input).toMatchObject({ ChecksumAlgorithm: 'CRC64NVME', ChecksumType: 'FULL_OBJECT' });
  });

  it('sends the checksum algorithm with every part of a multipart upload and CRC32C when asked', async () => {
    acceptMultipart();
    const data = bytes(11 * MiB);
    const result = await uploadArchiveObject({ ...base, body: deviceStream(data), expectedSize: data.length, partSize: 5 * MiB, checksum: 'CRC32C' });
    const running = createRunningChecksum('CRC32C');
    running.update(data);
    expect(result.checksum).toEqual({ algorithm: 'CRC32C', value: running.digestBase64(), type: 'FULL_OBJECT' });
    expect(s3Mock.commandCalls(CreateMultipartUploadCommand)[0]!.args[0].input).toMatchObject({ ChecksumAlgorithm: 'CRC32C', ChecksumType: 'FULL_OBJECT' });
    const partInputs = s3Mock.commandCalls(UploadPartCommand).map((c) => c.args[0].input.ChecksumAlgorithm);
    expect(partInputs).toEqual(['CRC32C', 'CRC32C', 'CRC32C']);
    expect(s3Mock.commandCalls(CompleteMultipartUploadCommand)[0]!.args[0].input.ChecksumType).toBe('FULL_OBJECT');
  });

  it("asks for no checksum with 'none' (s3rver) and records none", async () => {
    s3Mock.on(PutObjectCommand).resolves({});
    const data = bytes(100);
    const result = await uploadArchiveObject({ ...base, body: deviceStream(data), expectedSize: data.length, checksum: 'none' });
    expect(result).toEqual({ size: 100, sha256: sha256(data) });
    const input = s3Mock.commandCalls(PutObjectCommand)[0]!.args[0].input;
    expect(input.ChecksumAlgorithm).toBeUndefined();
    expect(input).not.toHaveProperty('ChecksumType');
  });

  it('refuses the upload as an IntegrityError when S3 reports another checksum than the bytes had, without aborting', async () => {
    const data = bytes(3000);
    s3Mock.on(PutObjectCommand).resolves({ ChecksumCRC64NVME: 'AAAAAAAAAAA=', ChecksumType: 'FULL_OBJECT' });
    const failure = uploadArchiveObject({ ...base, body: deviceStream(data), expectedSize: data.length });
    await expect(failure).rejects.toThrow(IntegrityError);
    await expect(failure).rejects.toThrow(
      `ar11-lab: S3 stored s3://archive/${base.key} with CRC64NVME AAAAAAAAAAA=, but the bytes read from the device have ${crc64(data).value}; the backup is not committed`,
    );
    expect(s3Mock.commandCalls(AbortMultipartUploadCommand)).toHaveLength(0);
  });

  it('does not compare a composite value S3 reports (checksum of part checksums)', async () => {
    const data = bytes(10);
    s3Mock.on(PutObjectCommand).resolves({ ChecksumCRC32C: 'AAAAAA==-3', ChecksumType: 'COMPOSITE' });
    const result = await uploadArchiveObject({ ...base, body: deviceStream(data), expectedSize: data.length, checksum: 'CRC32C' });
    expect(result.checksum?.algorithm).toBe('CRC32C');
  });

  it('sets tags with the upload itself (x-amz-tagging), URL-encoded, on single and multipart uploads', async () => {
    s3Mock.on(PutObjectCommand).resolves({});
    const tags = { 'backup-runner:kind': 'backup' };
    await uploadArchiveObject({ ...base, body: deviceStream(bytes(10)), expectedSize: 10, tags });
    expect(s3Mock.commandCalls(PutObjectCommand)[0]!.args[0].input.Tagging).toBe('backup-runner%3Akind=backup');
    s3Mock.reset();
    acceptMultipart();
    await uploadArchiveObject({ ...base, body: deviceStream(bytes(11 * MiB)), expectedSize: 11 * MiB, partSize: 5 * MiB, tags });
    expect(s3Mock.commandCalls(CreateMultipartUploadCommand)[0]!.args[0].input.Tagging).toBe('backup-runner%3Akind=backup');
  });
});
