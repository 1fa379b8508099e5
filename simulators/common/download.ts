import type { ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';

/** Faults applied to a response body while it is sent. Byte counts are of this response's body. */
export interface BodyFaults {
  /** Close the connection abruptly after this many body bytes (the client sees a premature end). */
  resetAtByte?: number;
  /** End the body cleanly after this many bytes; only meaningful without Content-Length (chunked). */
  truncateAtByte?: number;
  /** Throttle to about this many bytes per second. */
  bytesPerSecond?: number;
}

export type PumpOutcome = 'complete' | 'reset' | 'truncated' | 'aborted';

/**
 * Writes chunks to a response whose head is already written, respecting backpressure
 * (waits for 'drain'), applying the faults, and ending the response. Stops early if the
 * client goes away.
 */
export async function pumpBody(res: ServerResponse, chunks: Iterable<Buffer>, faults: BodyFaults = {}): Promise<PumpOutcome> {
  const { resetAtByte, truncateAtByte, bytesPerSecond } = faults;
  const stopAt = Math.min(resetAtByte ?? Infinity, truncateAtByte ?? Infinity);
  const stopKind: PumpOutcome = resetAtByte !== undefined && resetAtByte <= (truncateAtByte ?? Infinity) ? 'reset' : 'truncated';
  // Small slices when throttled so the rate is smooth rather than one burst a second.
  const slice = bytesPerSecond ? Math.max(1024, Math.min(64 * 1024, Math.floor(bytesPerSecond / 20))) : Infinity;
  const startedAt = Date.now();
  let sent = 0;

  for (const chunk of chunks) {
    for (let offset = 0; offset < chunk.length; ) {
      if (res.destroyed) return 'aborted';
      let piece = chunk.subarray(offset, Math.min(chunk.length, offset + slice));
      offset += piece.length;
      const stopping = sent + piece.length >= stopAt;
      if (stopping) piece = piece.subarray(0, stopAt - sent);
      sent += piece.length;
      if (stopping) return stop(res, piece, stopKind);
      if (!res.write(piece) && !(await drained(res))) return 'aborted';
      if (bytesPerSecond) {
        const due = startedAt + (sent / bytesPerSecond) * 1000 - Date.now();
        if (due > 0) await sleep(due, undefined, { ref: false });
      }
    }
  }
  if (sent >= stopAt) return stop(res, Buffer.alloc(0), stopKind); // fault exactly at the end of the file
  res.end();
  return 'complete';
}

async function stop(res: ServerResponse, last: Buffer, kind: PumpOutcome): Promise<PumpOutcome> {
  if (kind === 'truncated') {
    res.end(last);
    return kind;
  }
  // Let the last bytes reach the socket before closing it, so the client gets exactly N bytes.
  await new Promise<void>((resolve) => (last.length ? res.write(last, () => resolve()) : resolve()));
  res.socket?.destroy();
  res.destroy();
  return kind;
}

function drained(res: ServerResponse): Promise<boolean> {
  return new Promise((resolve) => {
    const onDrain = (): void => {
      res.off('close', onClose);
      resolve(true);
    };
    const onClose = (): void => {
      res.off('drain', onDrain);
      resolve(false);
    };
    res.once('drain', onDrain);
    res.once('close', onClose);
  });
}
