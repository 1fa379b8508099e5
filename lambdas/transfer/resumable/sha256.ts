/**
 * SHA-256 (FIPS 180-4) whose running state can be saved as small JSON and resumed in another
 * process. node:crypto is faster but cannot export its state, and a transfer that outlives one
 * Lambda invocation must still end with the SHA-256 of the exact bytes (the manifest's `sha256`).
 * The state is the eight 32-bit chaining words, the byte count and the (< 64 bytes) of input not
 * yet compressed: about 200 characters of JSON.
 */

const K = Int32Array.from([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
  0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
  0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

const INITIAL = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];

/** The saved state of a ResumableSha256: plain JSON. */
export interface Sha256State {
  /** The eight chaining words, as unsigned 32-bit numbers. */
  h: number[];
  /** Bytes hashed so far (including `pending`). */
  length: number;
  /** Base64 of the input bytes not yet compressed (fewer than 64). */
  pending: string;
}

export class ResumableSha256 {
  readonly #h = new Int32Array(8);
  readonly #w = new Int32Array(64);
  readonly #block = new Uint8Array(64);
  #blockLength = 0;
  #length = 0;

  constructor(state?: Sha256State) {
    if (!state) {
      this.#h.set(INITIAL);
      return;
    }
    const pending = Buffer.from(state.pending, 'base64');
    const valid =
      Array.isArray(state.h) &&
      state.h.length === 8 &&
      state.h.every((v) => Number.isInteger(v) && v >= 0 && v <= 0xffffffff) &&
      Number.isSafeInteger(state.length) &&
      state.length >= 0 &&
      pending.length < 64 &&
      state.length % 64 === pending.length;
    if (!valid) throw new RangeError('not a saved SHA-256 state (h: 8 words, length, pending < 64 bytes matching length)');
    this.#h.set(state.h);
    this.#block.set(pending);
    this.#blockLength = pending.length;
    this.#length = state.length;
  }

  /** Bytes hashed so far. */
  get length(): number {
    return this.#length;
  }

  update(data: Uint8Array): this {
    let offset = 0;
    this.#length += data.length;
    if (this.#blockLength > 0) {
      const take = Math.min(64 - this.#blockLength, data.length);
      this.#block.set(data.subarray(0, take), this.#blockLength);
      this.#blockLength += take;
      offset = take;
      if (this.#blockLength < 64) return this;
      this.#compress(this.#block, 0, 64);
      this.#blockLength = 0;
    }
    const whole = offset + Math.floor((data.length - offset) / 64) * 64;
    if (whole > offset) this.#compress(data, offset, whole);
    if (whole < data.length) {
      this.#block.set(data.subarray(whole), 0);
      this.#blockLength = data.length - whole;
    }
    return this;
  }

  /** The state to carry to another process; the hash can go on being updated afterwards. */
  save(): Sha256State {
    return {
      h: Array.from(this.#h, (v) => v >>> 0),
      length: this.#length,
      pending: Buffer.from(this.#block.subarray(0, this.#blockLength)).toString('base64'),
    };
  }

  /** Lowercase hex digest of everything hashed; the object is not usable afterwards. */
  digestHex(): string {
    const bits = this.#length * 8;
    const tail = new Uint8Array(this.#blockLength < 56 ? 64 : 128);
    tail.set(this.#block.subarray(0, this.#blockLength));
    tail[this.#blockLength] = 0x80;
    const view = new DataView(tail.buffer);
    // 64-bit big-endian bit length; lengths up to 2^53 bits fit in two 32-bit halves.
    view.setUint32(tail.length - 8, Math.floor(bits / 0x100000000));
    view.setUint32(tail.length - 4, bits >>> 0);
    this.#compress(tail, 0, tail.length);
    const out = Buffer.alloc(32);
    for (let i = 0; i < 8; i++) out.writeUInt32BE(this.#h[i]! >>> 0, i * 4);
    return out.toString('hex');
  }

  // Compresses whole 64-byte blocks data[from, to). Locals and Int32 arithmetic keep V8 on its
  // fast path; indexes are in range by construction.
  #compress(data: Uint8Array, from: number, to: number): void {
    const W = this.#w;
    const H = this.#h;
    let h0 = H[0]!, h1 = H[1]!, h2 = H[2]!, h3 = H[3]!, h4 = H[4]!, h5 = H[5]!, h6 = H[6]!, h7 = H[7]!;
    for (let p = from; p < to; p += 64) {
      for (let i = 0; i < 16; i++) {
        const j = p + i * 4;
        W[i] = (data[j]! << 24) | (data[j + 1]! << 16) | (data[j + 2]! << 8) | data[j + 3]!;
      }
      for (let i = 16; i < 64; i++) {
        const w15 = W[i - 15]!;
        const w2 = W[i - 2]!;
        const s0 = ((w15 >>> 7) | (w15 << 25)) ^ ((w15 >>> 18) | (w15 << 14)) ^ (w15 >>> 3);
        const s1 = ((w2 >>> 17) | (w2 << 15)) ^ ((w2 >>> 19) | (w2 << 13)) ^ (w2 >>> 10);
        W[i] = (W[i - 16]! + s0 + W[i - 7]! + s1) | 0;
      }
      let a = h0, b = h1, c = h2, d = h3, e = h4, f = h5, g = h6, h = h7;
      for (let i = 0; i < 64; i++) {
        const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
        const t1 = (h + S1 + ((e & f) ^ (~e & g)) + K[i]! + W[i]!) | 0;
        const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
        const t2 = (S0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
        h = g;
        g = f;
        f = e;
        e = (d + t1) | 0;
        d = c;
        c = b;
        b = a;
        a = (t1 + t2) | 0;
      }
      h0 = (h0 + a) | 0;
      h1 = (h1 + b) | 0;
      h2 = (h2 + c) | 0;
      h3 = (h3 + d) | 0;
      h4 = (h4 + e) | 0;
      h5 = (h5 + f) | 0;
      h6 = (h6 + g) | 0;
      h7 = (h7 + h) | 0;
    }
    H[0] = h0; H[1] = h1; H[2] = h2; H[3] = h3; H[4] = h4; H[5] = h5; H[6] = h6; H[7] = h7;
  }
}
