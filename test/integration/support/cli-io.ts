import { PassThrough } from 'node:stream';
import type { CliIo } from '../../../cli/conventions/output';

/** Streams for main(argv, io) that keep what the CLI printed, in a given working directory and environment. */
export function capturedIo(cwd: string, env: Record<string, string> = {}): { io: CliIo; out: () => string; err: () => string } {
  const out = new PassThrough();
  const err = new PassThrough();
  let outText = '';
  let errText = '';
  out.on('data', (c: Buffer) => (outText += c.toString('utf8')));
  err.on('data', (c: Buffer) => (errText += c.toString('utf8')));
  return { io: { out, err, env, cwd }, out: () => outText, err: () => errText };
}
