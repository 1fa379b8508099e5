import type { S3Client } from '@aws-sdk/client-s3';
import { formatBytes } from './table';

/**
 * A live line per archive object being uploaded, on a terminal only: bytes so far and MB/s,
 * counted from the multipart parts S3 has accepted (an S3 client middleware, so the transfer code
 * is unchanged and what is counted is what S3 took). Several devices at once share the line.
 */
export function attachUploadProgress(s3: S3Client, err: NodeJS.WritableStream & { isTTY?: boolean }, now: () => number = Date.now): { stop(): void } {
  if (!err.isTTY) return { stop() {} };
  const uploads = new Map<string, { bytes: number; since: number }>();
  let shown = false;
  const render = () => {
    const parts = [...uploads].map(([key, u]) => {
      const seconds = Math.max(0.001, (now() - u.since) / 1000);
      return `${key.split('/').pop()}  ${formatBytes(u.bytes)}  ${(u.bytes / 1e6 / seconds).toFixed(1)} MB/s`;
    });
    err.write(`\r\x1b[2Kuploading ${parts.join(' | ')}`);
    shown = true;
  };
  const name = 'backupRunnerUploadProgress';
  s3.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      if (context.commandName === 'UploadPartCommand') {
        const input = args.input as { Key?: string; Body?: { byteLength?: number; length?: number } };
        const key = input.Key ?? '?';
        const entry = uploads.get(key) ?? { bytes: 0, since: now() };
        entry.bytes += input.Body?.byteLength ?? input.Body?.length ?? 0;
        uploads.set(key, entry);
        render();
      } else if (context.commandName === 'CompleteMultipartUploadCommand') {
        uploads.delete((args.input as { Key?: string }).Key ?? '?');
        if (uploads.size === 0 && shown) {
          err.write('\r\x1b[2K');
          shown = false;
        }
      }
      return result;
    },
    { step: 'initialize', name, override: true },
  );
  return {
    stop() {
      s3.middlewareStack.remove(name);
      if (shown) err.write('\r\x1b[2K');
    },
  };
}
