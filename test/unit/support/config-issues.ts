import { expect } from 'vitest';
import { ConfigError } from '../../../lambdas/common/errors';
import { parseConfig } from '../../../lambdas/config/load';

/** The issues parseConfig reports for `raw` (each naming its field path); fails the test when it accepts `raw`. */
export function configIssues(raw: unknown): string[] {
  try {
    parseConfig(raw);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return [...(error as ConfigError).issues];
  }
  throw new Error('expected a ConfigError');
}
