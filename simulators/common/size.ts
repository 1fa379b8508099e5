const UNITS: Record<string, number> = {
  b: 1,
  k: 1024, kb: 1000, kib: 1024,
  m: 1024 ** 2, mb: 1000 ** 2, mib: 1024 ** 2,
  g: 1024 ** 3, gb: 1000 ** 3, gib: 1024 ** 3,
  t: 1024 ** 4, tb: 1000 ** 4, tib: 1024 ** 4,
};

/** Parses "10MiB", "4 GiB", "1.5GB", "512k" or "1000" into bytes (k/m/g/t alone mean binary units). */
export function parseByteSize(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  const unit = UNITS[(match?.[2] || 'b').toLowerCase()];
  if (!match || unit === undefined) {
    throw new Error(`invalid size "${text}": expected a number with an optional unit (B, KiB, MiB, GiB, TiB, KB, MB, GB, TB)`);
  }
  const bytes = Math.round(Number(match[1]) * unit);
  if (!Number.isSafeInteger(bytes)) throw new Error(`invalid size "${text}": too large`);
  return bytes;
}
