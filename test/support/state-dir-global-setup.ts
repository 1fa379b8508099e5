import { rmSync } from 'node:fs';
import type { TestProject } from 'vitest/node';

/** Vitest global setup: removes the run's state folder (vitest.config.ts points BACKUP_RUNNER_STATE_DIR at it) when the run ends. */
export default function stateDirectory(project: TestProject): () => void {
  const dir = project.config.env.BACKUP_RUNNER_STATE_DIR;
  return () => {
    if (typeof dir === 'string' && dir.includes('backup-runner-test-state-')) rmSync(dir, { recursive: true, force: true });
  };
}
