import { PassThrough } from 'node:stream';
import { CompleteMultipartUploadCommand, S3Client, UploadPartCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { attachUploadProgress } from '../../../cli/output/transfer-progress';

/** An S3 client that answers every command itself, after the middleware stack ran (aws-sdk-client-mock replaces send, and with it the middleware). */
function offlineS3(): S3Client {
  const s3 = new S3Client({ region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 's' } });
  s3.middlewareStack.add(() => async () => ({ output: { $metadata: {}, ETag: 'e' }, response: {} }), { step: 'finalizeRequest', name: 'offline', priority: 'low' });
  return s3;
}

function stderr(tty: boolean) {
  const stream = Object.assign(new PassThrough(), { isTTY: tty });
  let text = '';
  stream.on('data', (c) => (text += String(c)));
  return { stream, text: () => text };
}

describe('attachUploadProgress', () => {
  it('on a terminal, shows bytes and MB/s of each multipart upload as S3 accepts parts, and clears the line at the end', async () => {
    const s3 = offlineS3();
    const err = stderr(true);
    let t = 0;
    const progress = attachUploadProgress(s3, err.stream, () => t);
    await s3.send(new UploadPartCommand({ Bucket: 'b', Key: 'backups/ar11/k.tar.gz', UploadId: 'u', PartNumber: 1, Body: Buffer.alloc(5 * 1024 * 1024) }));
    t = 1000;
    await s3.send(new UploadPartCommand({ Bucket: 'b', Key: 'backups/ar11/k.tar.gz', UploadId: 'u', PartNumber: 2, Body: Buffer.alloc(5 * 1024 * 1024) }));
    await s3.send(new CompleteMultipartUploadCommand({ Bucket: 'b', Key: 'backups/ar11/k.tar.gz', UploadId: 'u' }));
    progress.stop();
    expect(err.text()).toContain('uploading k.tar.gz  10.0 MiB  10.5 MB/s');
    expect(err.text().endsWith('\r\x1b[2K')).toBe(true);
  });

  it('writes nothing when stderr is not a terminal (logs, pipes, CI)', async () => {
    const s3 = offlineS3();
    const err = stderr(false);
    attachUploadProgress(s3, err.stream).stop();
    await s3.send(new UploadPartCommand({ Bucket: 'b', Key: 'k', UploadId: 'u', PartNumber: 1, Body: Buffer.alloc(10) }));
    expect(err.text()).toBe('');
  });
});
