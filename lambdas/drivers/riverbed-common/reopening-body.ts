import { PassThrough, pipeline, type Readable } from 'node:stream';

/**
 * The body of an upload the session may send twice (it repeats a request once after a 401 with a
 * fresh login): the first send gets the stream already opened, a repeat a fresh one from `open`,
 * never the spent first. `open` is async, so the repeat's body is a pipe that fills once it opens.
 */
export async function reopeningBody(open: () => Promise<Readable>): Promise<() => Readable> {
  const first = await open();
  let sends = 0;
  return () => {
    if (sends++ === 0) return first;
    if (!first.destroyed) first.destroy();
    const again = new PassThrough();
    open().then(
      (stream) => pipeline(stream, again, () => undefined),
      (error: unknown) => again.destroy(error instanceof Error ? error : new Error(String(error))),
    );
    return again;
  };
}
