/**
 * Child process of the benchmark: the S3 side's ceiling. Uploads `size` bytes that are already in
 * memory into the same s3rver, with the transfer's own multipart code (lambdas/transfer/resumable/
 * multipart), part size and parts in flight, and completes the upload: everything the transfer does
 * on the S3 side, with no device, no TLS and no hashing. No pipeline into this S3 can beat it.
 * Started by bench/run.ts; prints one JSON line (see protocol.ts).
 */
import { randomFillSync } from 'node:crypto';
import { createEmbeddedS3Client } from '../cli/local/embedded-s3';
import { completeUpload, createUpload, uploadPart, type ObjectTarget, type StoredPart } from '../lambdas/transfer/resumable/multipart';
import { choosePartSize } from '../lambdas/transfer/part-size';
import { DEFAULT_QUEUE_SIZE } from '../lambdas/transfer/archive-object';
import { cpuSecondsSince, peakRssBytes, readRequest, report, type SinkRequest } from './protocol';

async function main(): Promise<void> {
  const request = readRequest<SinkRequest>(process.argv);
  const s3 = createEmbeddedS3Client(request.s3Endpoint);
  const target: ObjectTarget = { s3, bucket: request.bucket, key: request.key, deviceId: 'bench-sink' };
  const partSize = choosePartSize(request.size);
  // One random part per upload slot, sent again and again: the bytes differ between slots, and no
  // memory is allocated per part.
  const slots = Array.from({ length: DEFAULT_QUEUE_SIZE }, () => randomFillSync(Buffer.allocUnsafe(partSize)));
  try {
    const rssBeforeBytes = process.memoryUsage.rss();
    const cpuStart = process.cpuUsage();
    const started = performance.now();
    const uploadId = await createUpload(target, { contentType: 'application/octet-stream' });
    const partCount = Math.ceil(request.size / partSize);
    const parts: StoredPart[] = [];
    let next = 0;
    // DEFAULT_QUEUE_SIZE senders, each with its own buffer: the transfer's parts in flight.
    await Promise.all(
      slots.map(async (buffer) => {
        while (next < partCount) {
          const index = next++;
          const length = Math.min(partSize, request.size - index * partSize);
          parts.push(await uploadPart(target, uploadId, index + 1, buffer.subarray(0, length), undefined));
        }
      }),
    );
    await completeUpload(target, uploadId, parts.sort((a, b) => a.PartNumber - b.PartNumber), undefined);
    const seconds = (performance.now() - started) / 1000;
    report({ kind: 'sink', bytes: request.size, seconds, maxRssBytes: peakRssBytes(), rssBeforeBytes, cpuSeconds: cpuSecondsSince(cpuStart), backupId: '-' });
  } finally {
    s3.destroy();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`sink-once failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
