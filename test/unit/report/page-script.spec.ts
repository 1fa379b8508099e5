import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { bundlePageScript, GENERATED_FILE, generatedModule } from '../../../lambdas/report/page/bundle-page-script';

const root = join(__dirname, '..', '..', '..');

describe('the report page script', () => {
  it('page-script.generated.ts is the bundle of lambdas/report/page/client (run `npm run build:report-page` after changing it)', async () => {
    expect(readFileSync(GENERATED_FILE, 'utf8')).toBe(generatedModule(await bundlePageScript()));
  });

  it('the browser code type-checks against the DOM (its own tsconfig; the root one has no DOM)', async () => {
    const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    await expect(promisify(execFile)(process.execPath, [tsc, '--noEmit', '-p', join(root, 'lambdas/report/page/client/tsconfig.json')], { cwd: root })).resolves.toBeDefined();
  }, 120_000);
});
