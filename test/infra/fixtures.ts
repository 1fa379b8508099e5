import { Template } from 'aws-cdk-lib/assertions';
import { parseConfig } from '../../lambdas/config/load';
import type { RunnerConfig } from '../../lambdas/config/schema';
import { buildApp } from '../../infra/build-app';
import type { BackupRunnerStack } from '../../infra/stacks/backup-runner-stack';

/** Two devices, one of them with a secret whose name is a prefix of another's. */
export function fleetConfigRaw(overrides: { archive?: Record<string, unknown>; workflow?: Record<string, unknown> } = {}): Record<string, unknown> {
  return {
    archive: { bucket: 'acme-appliance-backups', prefix: 'backups/', ...overrides.archive },
    ...(overrides.workflow ? { workflow: overrides.workflow } : {}),
    devices: [
      { id: 'ar11-lab', type: 'riverbed-npm-v1', url: 'https://ar11.example.net', secret: 'backup-runner/ar11-lab' },
      { id: 'ar11-lab-2', type: 'riverbed-npm-v1', url: 'https://ar11b.example.net', secret: 'backup-runner/ar11-lab-2' },
    ],
  };
}

export function fleetConfig(overrides: { archive?: Record<string, unknown>; workflow?: Record<string, unknown> } = {}): RunnerConfig {
  return parseConfig(fleetConfigRaw(overrides));
}

/** Synthesizes the stack in-process with bundling skipped, as unit tests should. */
export function synth(config: RunnerConfig): { stack: BackupRunnerStack; template: Template } {
  const { stack } = buildApp(config, { context: { 'aws:cdk:bundling-stacks': [] } });
  return { stack, template: Template.fromStack(stack) };
}
