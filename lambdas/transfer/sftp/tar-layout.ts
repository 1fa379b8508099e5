/**
 * The exact byte size of the tar stream that tar-stream 3 writes for a list of entries, so a
 * directory archived as one tar has an expected size like a single file, and the transfer's size
 * check catches a file that changed while it was read.
 *
 * Layout (tar-stream's pack.js): each entry is a 512-byte ustar header, then its data padded to
 * 512; entries whose name (split into prefix/name at a "/") or link target do not fit ustar, or
 * that are not ASCII, get a pax header entry before them (512 header + records padded to 512).
 * The archive ends with two zero blocks (1024 bytes). Pure; tested against tar-stream's output.
 */
export interface TarEntryFacts {
  /** Path inside the archive, "/"-separated, no leading "/"; directories without the trailing "/". */
  name: string;
  type: 'file' | 'directory' | 'symlink';
  /** Bytes of data (files only; 0 otherwise). */
  size: number;
  linkname?: string;
}

const BLOCK = 512;
const END_OF_ARCHIVE = 2 * BLOCK;

const padded = (bytes: number) => Math.ceil(bytes / BLOCK) * BLOCK;

export function tarEntrySize(entry: TarEntryFacts): number {
  const name = entry.type === 'directory' && !entry.name.endsWith('/') ? `${entry.name}/` : entry.name;
  const data = entry.type === 'file' ? padded(entry.size) : 0;
  if (fitsUstar(name, entry.linkname)) return BLOCK + data;
  const pax = paxRecordsLength(name, entry.linkname);
  return BLOCK + padded(pax) + BLOCK + data;
}

export function tarArchiveSize(entries: readonly TarEntryFacts[]): number {
  return entries.reduce((sum, entry) => sum + tarEntrySize(entry), 0) + END_OF_ARCHIVE;
}

/** tar-stream's headers.encode succeeds exactly when this is true. */
function fitsUstar(fullName: string, linkname: string | undefined): boolean {
  let name = fullName;
  if (Buffer.byteLength(name) !== name.length) return false; // not ASCII
  let prefix = '';
  while (Buffer.byteLength(name) > 100) {
    const i = name.indexOf('/');
    if (i === -1) return false;
    prefix += prefix ? `/${name.slice(0, i)}` : name.slice(0, i);
    name = name.slice(i + 1);
  }
  if (Buffer.byteLength(name) > 100 || Buffer.byteLength(prefix) > 155) return false;
  if (linkname && Buffer.byteLength(linkname) > 100) return false;
  return true;
}

/** Bytes of the pax records "<len> path=<name>\n" (and linkpath) as tar-stream writes them. */
function paxRecordsLength(name: string, linkname: string | undefined): number {
  let total = recordLength(` path=${name}\n`);
  if (linkname) total += recordLength(` linkpath=${linkname}\n`);
  return total;
}

/** A pax record is prefixed by its own total length in decimal (which counts its own digits). */
function recordLength(body: string): number {
  const bytes = Buffer.byteLength(body);
  let digits = String(bytes).length;
  // Adding the digits can carry into one more digit (e.g. 98 + 2 = 100).
  while (String(bytes + digits).length !== digits) digits += 1;
  return bytes + digits;
}
