import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';

/** Reads a stream to its end through SHA-256 (never buffered whole): its size and lowercase hex digest. */
export async function streamSha256(body: AsyncIterable<unknown>): Promise<{ size: number; sha256: string }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of body) {
    const bytes = chunk as Buffer;
    size += bytes.length;
    hash.update(bytes);
  }
  return { size, sha256: hash.digest('hex') };
}

/** Reads a stored object through SHA-256: its size and lowercase hex digest. */
export async function objectSha256(s3: S3Client, bucket: string, key: string): Promise<{ size: number; sha256: string }> {
  const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return streamSha256(object.Body as Readable);
}
