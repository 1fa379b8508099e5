/**
 * Full-object CRC checksums as S3 stores them (x-amz-checksum-crc64nvme / -crc32c, base64 of the
 * big-endian value), computed on the bytes as they stream past. S3 computes its own value for the
 * object it assembled; comparing the two proves it stored exactly the bytes we hashed, and the
 * manifest keeps the value so a later reader can check the object without trusting S3's word.
 *
 * Our own implementation rather than the SDK's: the SDK's classes live in @aws-sdk/checksums,
 * an internal package of client-s3 that this project does not depend on directly. Both are the
 * standard table-driven algorithms, checked against their published check values in the tests.
 */

/** The algorithms S3 can keep as a full-object checksum of a multipart upload. */
export const FULL_OBJECT_CHECKSUM_ALGORITHMS = ['CRC64NVME', 'CRC32C'] as const;
export type FullObjectChecksumAlgorithm = (typeof FULL_OBJECT_CHECKSUM_ALGORITHMS)[number];

/** A running checksum: fed chunk by chunk, read once at the end. */
export interface RunningChecksum {
  readonly algorithm: FullObjectChecksumAlgorithm;
  update(chunk: Uint8Array): void;
  /** Base64 of the big-endian value, the form S3 uses in headers and responses. */
  digestBase64(): string;
  /**
   * The running register as hex, to resume in another process (a transfer that outlives one
   * Lambda invocation); the checksum can go on being updated afterwards.
   */
  saveState(): string;
}

/** `state`: a register saved with `saveState()` by a checksum of the same algorithm. */
export function createRunningChecksum(algorithm: FullObjectChecksumAlgorithm, state?: string): RunningChecksum {
  const checksum = algorithm === 'CRC64NVME' ? new Crc64Nvme() : new Crc32c();
  if (state !== undefined) checksum.restoreState(state);
  return checksum;
}

function parseRegister(state: string, hexDigits: number, algorithm: string): number[] {
  if (!new RegExp(`^[0-9a-f]{${hexDigits}}$`).test(state)) {
    throw new RangeError(`not a saved ${algorithm} state: expected ${hexDigits} lowercase hex digits`);
  }
  return Array.from({ length: hexDigits / 8 }, (_, i) => Number.parseInt(state.slice(i * 8, i * 8 + 8), 16));
}

function hex32(value: number): string {
  return (value >>> 0).toString(16).padStart(8, '0');
}

// CRC-64/NVME: reflected polynomial 0x9a6c9329ac4bc9b5, init and final xor all ones. The 64-bit
// state is kept as two uint32 halves (BigInt arithmetic is an order of magnitude slower), and
// eight tables let the loop consume 8 bytes per step (slicing-by-8).
const CRC64_TABLES = buildCrc64Tables();

function buildCrc64Tables(): { hi: Uint32Array[]; lo: Uint32Array[] } {
  const poly = 0x9a6c9329ac4bc9b5n;
  const hi: Uint32Array[] = [];
  const lo: Uint32Array[] = [];
  const base: bigint[] = [];
  for (let i = 0; i < 256; i++) {
    let crc = BigInt(i);
    for (let bit = 0; bit < 8; bit++) crc = crc & 1n ? (crc >> 1n) ^ poly : crc >> 1n;
    base.push(crc);
  }
  let current = base;
  for (let slice = 0; slice < 8; slice++) {
    hi.push(Uint32Array.from(current, (v) => Number(v >> 32n)));
    lo.push(Uint32Array.from(current, (v) => Number(v & 0xffffffffn)));
    // The next slice is this one advanced by one more zero byte.
    current = current.map((v) => (v >> 8n) ^ base[Number(v & 0xffn)]!);
  }
  return { hi, lo };
}

class Crc64Nvme implements RunningChecksum {
  readonly algorithm = 'CRC64NVME';
  #hi = 0xffffffff;
  #lo = 0xffffffff;

  update(data: Uint8Array): void {
    const { hi: H, lo: L } = CRC64_TABLES;
    const [h0, h1, h2, h3, h4, h5, h6, h7] = H as [Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array];
    const [l0, l1, l2, l3, l4, l5, l6, l7] = L as [Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array];
    let hi = this.#hi;
    let lo = this.#lo;
    let i = 0;
    const end8 = data.length - (data.length % 8);
    // Indexes below are masked to 0..255, so every table read is in range.
    while (i < end8) {
      const b0 = (lo ^ data[i]!) & 0xff;
      const b1 = ((lo >>> 8) ^ data[i + 1]!) & 0xff;
      const b2 = ((lo >>> 16) ^ data[i + 2]!) & 0xff;
      const b3 = ((lo >>> 24) ^ data[i + 3]!) & 0xff;
      const b4 = (hi ^ data[i + 4]!) & 0xff;
      const b5 = ((hi >>> 8) ^ data[i + 5]!) & 0xff;
      const b6 = ((hi >>> 16) ^ data[i + 6]!) & 0xff;
      const b7 = ((hi >>> 24) ^ data[i + 7]!) & 0xff;
      hi = h7[b0]! ^ h6[b1]! ^ h5[b2]! ^ h4[b3]! ^ h3[b4]! ^ h2[b5]! ^ h1[b6]! ^ h0[b7]!;
      lo = l7[b0]! ^ l6[b1]! ^ l5[b2]! ^ l4[b3]! ^ l3[b4]! ^ l2[b5]! ^ l1[b6]! ^ l0[b7]!;
      i += 8;
    }
    for (; i < data.length; i++) {
      const b = (lo ^ data[i]!) & 0xff;
      lo = ((lo >>> 8) | ((hi & 0xff) << 24)) ^ l0[b]!;
      hi = (hi >>> 8) ^ h0[b]!;
    }
    this.#hi = hi >>> 0;
    this.#lo = lo >>> 0;
  }

  digestBase64(): string {
    const out = Buffer.alloc(8);
    out.writeUInt32BE((this.#hi ^ 0xffffffff) >>> 0, 0);
    out.writeUInt32BE((this.#lo ^ 0xffffffff) >>> 0, 4);
    return out.toString('base64');
  }

  saveState(): string {
    return hex32(this.#hi) + hex32(this.#lo);
  }

  restoreState(state: string): void {
    [this.#hi, this.#lo] = parseRegister(state, 16, this.algorithm) as [number, number];
  }
}

// CRC-32C (Castagnoli): reflected polynomial 0x82f63b78, slicing-by-8 as above.
const CRC32C_TABLES = buildCrc32cTables();

function buildCrc32cTables(): Uint32Array[] {
  const tables = [new Uint32Array(256)];
  const first = tables[0]!;
  for (let i = 0; i < 256; i++) {
    let crc = i;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? 0x82f63b78 ^ (crc >>> 1) : crc >>> 1;
    first[i] = crc >>> 0;
  }
  for (let slice = 1; slice < 8; slice++) {
    const previous = tables[slice - 1]!;
    tables.push(Uint32Array.from(previous, (v) => ((v >>> 8) ^ first[v & 0xff]!) >>> 0));
  }
  return tables;
}

class Crc32c implements RunningChecksum {
  readonly algorithm = 'CRC32C';
  #crc = 0xffffffff;

  update(data: Uint8Array): void {
    const [t0, t1, t2, t3, t4, t5, t6, t7] = CRC32C_TABLES as [Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array];
    let crc = this.#crc;
    let i = 0;
    const end8 = data.length - (data.length % 8);
    while (i < end8) {
      const a = crc ^ (data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24));
      crc =
        t7[a & 0xff]! ^
        t6[(a >>> 8) & 0xff]! ^
        t5[(a >>> 16) & 0xff]! ^
        t4[a >>> 24]! ^
        t3[data[i + 4]!]! ^
        t2[data[i + 5]!]! ^
        t1[data[i + 6]!]! ^
        t0[data[i + 7]!]!;
      i += 8;
    }
    for (; i < data.length; i++) crc = (crc >>> 8) ^ t0[(crc ^ data[i]!) & 0xff]!;
    this.#crc = crc >>> 0;
  }

  digestBase64(): string {
    const out = Buffer.alloc(4);
    out.writeUInt32BE((this.#crc ^ 0xffffffff) >>> 0, 0);
    return out.toString('base64');
  }

  saveState(): string {
    return hex32(this.#crc);
  }

  restoreState(state: string): void {
    [this.#crc] = parseRegister(state, 8, this.algorithm) as [number];
  }
}
