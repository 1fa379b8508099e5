import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { DispatcherError, DispatcherStateConflict } from './errors';
import type { DispatcherStateStore } from './ports';
import { DISPATCHER_STATE_KEY, parseDispatcherState, serializeDispatcherState } from './state';

/**
 * The dispatcher state as one JSON object in the archive bucket (see state.ts for why there).
 * Writes are conditional on the ETag that was read (If-Match; If-None-Match: * for the first),
 * so two overlapping ticks cannot silently overwrite each other's carried-over occurrences.
 */
export function s3DispatcherStateStore(s3: S3Client, bucket: string, key: string = DISPATCHER_STATE_KEY): DispatcherStateStore {
  const where = `s3://${bucket}/${key}`;
  return {
    async load() {
      let text: string;
      let etag: string | undefined;
      try {
        const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        text = (await object.Body?.transformToString('utf8')) ?? '';
        etag = object.ETag;
      } catch (error) {
        const name = (error as { name?: string }).name;
        if (name === 'NoSuchKey' || name === 'NotFound') return { state: undefined, token: undefined };
        throw new DispatcherError(`cannot read the dispatcher state ${where}: ${describe(error)}`, { cause: error });
      }
      const parsed = parseDispatcherState(text);
      return { state: parsed.state, token: etag, ...(parsed.problem ? { problem: `${where}: ${parsed.problem}` } : {}) };
    },

    async save(state, token) {
      try {
        await s3.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: key,
            Body: serializeDispatcherState(state),
            ContentType: 'application/json',
            // A bucket with Object Lock refuses uploads without a checksum (see writeManifest).
            ChecksumAlgorithm: 'CRC64NVME',
            ...(token ? { IfMatch: token } : { IfNoneMatch: '*' }),
          }),
        );
      } catch (error) {
        const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
        if (status === 412 || status === 409) {
          throw new DispatcherStateConflict(`the dispatcher state ${where} changed since this tick read it`, { cause: error });
        }
        throw new DispatcherError(`cannot write the dispatcher state ${where}: ${describe(error)}`, { cause: error });
      }
    },
  };
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
