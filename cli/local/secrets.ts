import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ConfigError, SecretError } from '../../lambdas/common/errors';
import { fileSecretSource, secretsManagerSource, type SecretSource } from '../../lambdas/common/secrets';
import type { DeviceConfig } from '../../lambdas/config/schema';
import { secretRequirements } from '../../lambdas/drivers/secret-requirements';

/** Both ways to give device credentials to a local command, for messages that must name them. */
export const SECRETS_HOW =
  'give the secrets as a JSON file (--secrets FILE, or BACKUP_RUNNER_SECRETS=FILE: {"<secret name>": {...}}, see docs/cli.md), ' +
  'or AWS credentials for Secrets Manager (AWS_PROFILE=NAME with AWS_REGION, `aws configure` or `aws sso login`)';

/**
 * Where a local command reads device secrets: the file (--secrets, else BACKUP_RUNNER_SECRETS, as
 * resolved by the caller), else Secrets Manager with the AWS SDK's default credentials. Without
 * credentials the SDK says only "Could not load credentials from any providers"; here the error
 * names both ways to give the secrets.
 */
export function cliSecretSource(file: string | undefined, client: () => SecretsManagerClient = () => new SecretsManagerClient({})): SecretSource {
  if (file !== undefined) return fileSecretSource(file);
  let source: SecretSource | undefined;
  return {
    async get(name) {
      try {
        source ??= secretsManagerSource(client());
        return await source.get(name);
      } catch (error) {
        throw explainAwsSetupError(name, error);
      }
    },
  };
}

function explainAwsSetupError(name: string, error: unknown): unknown {
  const errorName = error instanceof Error ? error.name : '';
  const message = error instanceof Error ? error.message : String(error);
  if (errorName === 'CredentialsProviderError' || /could not load credentials/i.test(message)) {
    return new SecretError(`no AWS credentials to read secret "${name}" from Secrets Manager: ${SECRETS_HOW}`, { cause: error });
  }
  if (/region is missing/i.test(message)) {
    return new SecretError(`no AWS region to read secret "${name}" from Secrets Manager (set AWS_REGION): ${SECRETS_HOW}`, { cause: error });
  }
  return error;
}

/**
 * Reads every secret the given devices need, once each, and checks it with its driver's parser
 * before anything starts. All problems are reported together, each once (a secret shared by ten
 * devices is one line naming them), as a ConfigError (exit 2: nothing was contacted).
 */
export async function checkSecretsUpFront(devices: readonly DeviceConfig[], secrets: SecretSource): Promise<void> {
  const bySecret = new Map<string, ReturnType<typeof secretRequirements>>();
  for (const requirement of devices.flatMap(secretRequirements)) {
    bySecret.set(requirement.secretName, [...(bySecret.get(requirement.secretName) ?? []), requirement]);
  }
  const problems = new Map<string, Set<string>>();
  const note = (message: string, deviceId: string) => problems.set(message, (problems.get(message) ?? new Set()).add(deviceId));
  for (const [name, requirements] of bySecret) {
    let value: unknown;
    try {
      value = await secrets.get(name);
    } catch (error) {
      if (!(error instanceof SecretError)) throw error;
      for (const r of requirements) note(withoutDevice(error), r.deviceId);
      // Without credentials every other read fails the same way: one line is enough.
      if (/no AWS (credentials|region)/.test(error.message)) break;
      continue;
    }
    for (const r of requirements) {
      try {
        r.check(value);
      } catch (error) {
        if (!(error instanceof SecretError)) throw error;
        note(`${withoutDevice(error)} (the ${r.role})`, r.deviceId);
      }
    }
  }
  if (problems.size) {
    throw new ConfigError(
      'the device secrets are not usable; nothing was started:',
      [...problems].map(([message, ids]) => `${message}; needed by ${[...ids].join(', ')}`),
    );
  }
}

/** The message without the `<deviceId>: ` prefix typed errors add, since the list names the devices itself. */
function withoutDevice(error: SecretError): string {
  return error.deviceId && error.message.startsWith(`${error.deviceId}: `) ? error.message.slice(error.deviceId.length + 2) : error.message;
}
