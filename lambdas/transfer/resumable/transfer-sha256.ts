import { createHash, type Hash } from 'node:crypto';
import { ResumableSha256, type Sha256State } from './sha256';

/**
 * The transfer's SHA-256 in one of two engines: node:crypto (fast, state not exportable) and
 * ResumableSha256 (pure JS, state exportable, about 20x slower). A fresh transfer starts
 * undecided until chooseHashing decides after its first part; then only one stays. While
 * undecided, only the fast engine runs and the chunks are remembered by reference: the resumable
 * engine reads them only if the choice falls on it, so a transfer that finishes in one
 * invocation (the usual case) never pays for pure-JS hashing. Decide before reusing their memory.
 */
export class TransferSha256 {
  #fast: Hash | undefined;
  #resumable: ResumableSha256 | undefined;
  /** Chunks the resumable engine has not read yet (undecided only). */
  #unread: Uint8Array[] = [];
  #length: number;

  constructor(from?: { state: Sha256State } | { bothUntilDecided: true } | { resumableOnly: true }) {
    if (from && 'state' in from) {
      this.#resumable = new ResumableSha256(from.state);
      this.#length = from.state.length;
      return;
    }
    this.#length = 0;
    this.#resumable = new ResumableSha256();
    if (!from || 'bothUntilDecided' in from) this.#fast = createHash('sha256');
  }

  get length(): number {
    return this.#length;
  }

  /** True while the state can still be saved. */
  get resumable(): boolean {
    return this.#resumable !== undefined;
  }

  /** Whether the choice between the engines is still open. */
  get undecided(): boolean {
    return this.#fast !== undefined && this.#resumable !== undefined;
  }

  keepOnly(engine: 'fast' | 'resumable'): void {
    if (engine === 'fast' && this.#fast) {
      this.#resumable = undefined;
      this.#unread = [];
    }
    if (engine === 'resumable' && this.#resumable) {
      this.#catchUp();
      this.#fast = undefined;
    }
  }

  update(chunk: Uint8Array): void {
    if (this.undecided) {
      this.#fast!.update(chunk);
      this.#unread.push(chunk);
    } else {
      this.#fast?.update(chunk);
      this.#resumable?.update(chunk);
    }
    this.#length += chunk.length;
  }

  save(): Sha256State {
    if (!this.#resumable) throw new Error('TransferSha256: the fast engine has no state to save');
    this.#catchUp();
    return this.#resumable.save();
  }

  /** Feeds the resumable engine what it has not read yet. */
  #catchUp(): void {
    for (const chunk of this.#unread) this.#resumable!.update(chunk);
    this.#unread = [];
  }

  digestHex(): string {
    return this.#fast ? this.#fast.digest('hex') : this.#resumable!.digestHex();
  }
}
