import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import type { ConditionalStore } from '../../../lambdas/state/conditional-store';
import { fileConditionalStore } from '../../../lambdas/state/file-store';
import { memoryConditionalStore } from '../../../lambdas/state/memory-store';
import { conditionalStoreContract } from '../../support/conditional-store-contract';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'locks-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const stores: Array<[string, () => ConditionalStore]> = [
  ['memory', () => memoryConditionalStore()],
  ['a directory of files', () => fileConditionalStore(join(dir, `store-${Math.random().toString(36).slice(2)}`))],
];

conditionalStoreContract(stores);
