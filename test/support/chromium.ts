import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { describe } from 'vitest';
import { CHROMIUM_PATH, chromiumAvailable } from './chromium-path';

export { CHROMIUM_MISSING, CHROMIUM_PATH, chromiumAvailable } from './chromium-path';

/**
 * Debian's Chromium, driven by playwright-core (the library only: no browser download). The
 * browser tests run where it is installed; elsewhere they are skipped and
 * test/support/chromium-global-setup.ts says so in one line naming the package; under CI=true
 * (.ci/run, which installs it) that setup fails the run instead, so CI never skips them.
 */
export const describeWithChromium = describe.skipIf(!chromiumAvailable());

/** Headless, no sandbox (root in CI), nothing that phones home; a fresh profile each launch. */
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

export interface Browser {
  context: BrowserContext;
  page: Page;
  close(): Promise<void>;
}

export async function launchChromium(viewport = { width: 1440, height: 1000 }): Promise<Browser> {
  const profile = await mkdtemp(join(tmpdir(), 'chromium-profile-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, viewport, headless: true });
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    close: async () => {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}
