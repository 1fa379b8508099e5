import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import type { Readable } from 'node:stream';
import { extract } from 'tar-stream';

/** Helpers shared by the SSH device integration tests. */

let bucketCounter = 0;

export async function freshBucket(s3: S3Client, prefix: string): Promise<string> {
  const bucket = `${prefix}-${++bucketCounter}`;
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  return bucket;
}

export async function listKeys(s3: S3Client, bucket: string): Promise<string[]> {
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
  return (listed.Contents ?? []).map((o) => o.Key!).sort();
}

export async function readObject(s3: S3Client, bucket: string, key: string): Promise<Buffer> {
  const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const chunks: Buffer[] = [];
  for await (const chunk of object.Body as Readable) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function objectStream(s3: S3Client, bucket: string, key: string): Promise<Readable> {
  const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return object.Body as Readable;
}

/** name -> SHA-256 of every file in a tar. */
export async function tarFileDigests(tar: Buffer): Promise<Record<string, string>> {
  const { createHash } = await import('node:crypto');
  const files: Record<string, string> = {};
  const ex = extract();
  const done = new Promise<void>((resolve, reject) => {
    ex.on('entry', (header, stream, next) => {
      const hash = createHash('sha256');
      stream.on('data', (c: unknown) => hash.update(c as Buffer));
      stream.on('end', () => {
        if (header.type === 'file') files[header.name] = hash.digest('hex');
        next();
      });
    });
    ex.on('finish', resolve);
    ex.on('error', reject);
  });
  ex.end(tar);
  await done;
  return files;
}

/** A clock that moves `stepMs` further on every reading: poll time limits pass in a few polls. */
export function racingClock(stepMs: number): () => Date {
  let t = Date.now();
  return () => {
    t += stepMs;
    return new Date(t);
  };
}
