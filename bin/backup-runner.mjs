#!/usr/bin/env node
// Entry point of `npx backup-runner`: runs the TypeScript CLI without a build step.
// The project needs Node 24 (Lambda runtime parity); `npm ci` installs it into
// node_modules/.bin, so an older system node re-executes this file with that one.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const major = Number(process.versions.node.split('.')[0]);

if (major < 24) {
  const localNode = join(root, 'node_modules', '.bin', 'node');
  if (!existsSync(localNode)) {
    console.error(`backup-runner needs Node 24 or later (this is ${process.version}); run \`npm ci\` first.`);
    process.exit(1);
  }
  const child = spawnSync(localNode, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(child.status ?? 1);
}

const { register } = await import('tsx/esm/api');
register();
const { main } = await import(pathToFileURL(join(root, 'cli', 'main.ts')).href);
process.exitCode = await main(process.argv.slice(2));
