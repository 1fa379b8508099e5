import { pipeline, Transform } from 'node:stream';
import { createDeviceHttpClient, type DeviceHttpClient } from '../../../lambdas/common/http';
import type { DeviceConfig } from '../../../lambdas/config/schema';

/**
 * Time budgets measured in bytes instead of wall-clock seconds, so that a loaded machine cannot
 * end an invocation before its first part, nor let one run to the end.
 *
 * `meteredDownloads` counts the bytes of device downloads (`.../file`) as the transfer reads
 * them; `progressClock` is a clock that stands still while nothing is read and moves on `msPerByte`
 * for every byte read. A step given this clock (StepDeps.now) with a budget of B seconds reads
 * B x 1000 / msPerByte bytes per invocation, whatever the machine's speed.
 */
export interface MeteredDownloads {
  /** StepDeps.createHttp: the real client, with download bodies counted on their way to the reader. */
  createHttp: (device: DeviceConfig) => DeviceHttpClient;
  /** Bytes of download bodies handed to their readers so far. */
  bytes(): number;
}

export function meteredDownloads(): MeteredDownloads {
  let bytes = 0;
  return {
    bytes: () => bytes,
    createHttp(device) {
      const http = createDeviceHttpClient(device);
      return {
        close: () => http.close(),
        async request(request) {
          const response = await http.request(request);
          if (!request.path.endsWith('/file') || (response.status !== 200 && response.status !== 206)) return response;
          // A small buffer, so the count runs at most 16 KiB ahead of what the reader took.
          const counted = new Transform({
            highWaterMark: 16 * 1024,
            transform(chunk: Buffer, _encoding, done) {
              bytes += chunk.length;
              done(null, chunk);
            },
          });
          pipeline(response.body, counted, () => undefined); // a failing body destroys `counted` with its error
          return { ...response, body: counted };
        },
      };
    },
  };
}

/** A clock at the real time of its creation plus `msPerByte` for every byte `bytesRead` has counted since. */
export function progressClock(bytesRead: () => number, msPerByte: number): () => Date {
  const base = Date.now();
  const start = bytesRead();
  return () => new Date(base + (bytesRead() - start) * msPerByte);
}
