import type { OpenArtifactOptions } from '../driver';

/**
 * HTTP Range for resumed downloads (RFC 9110 14): the request headers for `offset`, and the
 * decision on what the device answered. Pure, so every answer a device may give is a table test.
 */

/** `Range: bytes=N-` (plus `If-Range` with the validator seen first) when a resumed transfer asks for an offset. */
export function rangeRequestHeaders(options: OpenArtifactOptions | undefined): Record<string, string> {
  const offset = options?.offset ?? 0;
  if (offset <= 0) return {};
  return { Range: `bytes=${offset}-`, ...(options?.version ? { 'If-Range': options.version } : {}) };
}

export type RangeAnswer =
  /** The body starts at `offset` of a file of `total` bytes (206), or at 0 (200: Range ignored or If-Range failed). */
  | { ok: true; offset: number; total: number | undefined }
  | { ok: false; problem: string };

/**
 * What a download answer means for the byte position of its body. A 206 must cover exactly
 * `offset`..end of the file; any other part of the file would be spliced in at the wrong place.
 */
export function interpretRangeAnswer(
  requestedOffset: number,
  status: number,
  contentRange: string | undefined,
  contentLength: string | undefined,
): RangeAnswer {
  const length = contentLength === undefined ? undefined : Number(contentLength);
  if (status !== 206) return { ok: true, offset: 0, total: length !== undefined && Number.isSafeInteger(length) ? length : undefined };
  if (requestedOffset <= 0) return { ok: false, problem: 'the device answered 206 Partial Content to a request for the whole file' };
  const match = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(contentRange?.trim() ?? '');
  if (!match) return { ok: false, problem: `the device answered 206 with an unreadable Content-Range "${contentRange ?? ''}"` };
  const [first, last, total] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (first !== requestedOffset || last !== total - 1) {
    return { ok: false, problem: `asked for bytes ${requestedOffset}- but the device sent ${contentRange} (not the rest of the file)` };
  }
  if (length !== undefined && length !== last - first + 1) {
    return { ok: false, problem: `Content-Range ${contentRange} disagrees with Content-Length ${contentLength}` };
  }
  return { ok: true, offset: first, total };
}
