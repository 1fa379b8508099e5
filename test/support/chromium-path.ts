import { accessSync, constants } from 'node:fs';

/** Where Debian's chromium package puts the browser; BACKUP_RUNNER_CHROMIUM names another (or, in tests, a missing one). */
export const CHROMIUM_PATH = process.env.BACKUP_RUNNER_CHROMIUM ?? '/usr/bin/chromium';

export const CHROMIUM_MISSING = `${CHROMIUM_PATH} is missing: install Debian's chromium (apt-get install -y chromium)`;

export function chromiumAvailable(): boolean {
  try {
    accessSync(CHROMIUM_PATH, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

