import { DispatcherStateConflict } from './errors';
import type { DispatcherStateStore } from './ports';
import { parseDispatcherState, serializeDispatcherState, type DispatcherState } from './state';

/** An in-process state store with the S3 store's versioning, for local runs and tests. */
export class MemoryDispatcherStateStore implements DispatcherStateStore {
  private text: string | undefined;
  private version = 0;

  constructor(initial?: DispatcherState) {
    if (initial) this.text = serializeDispatcherState(initial);
  }

  /** The stored state, as the next tick will read it. */
  get state(): DispatcherState | undefined {
    return this.text === undefined ? undefined : parseDispatcherState(this.text).state;
  }

  async load() {
    if (this.text === undefined) return { state: undefined, token: undefined };
    const parsed = parseDispatcherState(this.text);
    return { state: parsed.state, token: String(this.version), ...(parsed.problem ? { problem: parsed.problem } : {}) };
  }

  async save(state: DispatcherState, token: string | undefined) {
    const current = this.text === undefined ? undefined : String(this.version);
    if (token !== current) throw new DispatcherStateConflict(`the dispatcher state is at version ${current ?? 'none'}, not ${token ?? 'none'}`);
    this.text = serializeDispatcherState(state);
    this.version++;
  }

  /** Replaces the stored text as-is (tests: a damaged object). */
  overwrite(text: string) {
    this.text = text;
    this.version++;
  }
}
