import { App, Stack } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../lambdas/config/load';
import type { RunnerConfig } from '../../lambdas/config/schema';
import { deviceSecretArn, deviceSecretNames } from '../../infra/constructs/device-secrets';
import { flatten, logicalIdContaining, roleOf, roleStatements, type Resources } from './cfn';
import { fleetConfig, synth } from './fixtures';

const secretArn = (name: string) => `arn:\${AWS::Partition}:secretsmanager:\${AWS::Region}:\${AWS::AccountId}:secret:${name}-??????`;
const CONFIGURED_SECRETS = [secretArn('backup-runner/ar11-lab'), secretArn('backup-runner/ar11-lab-2')];
const FUNCTIONS = ['StartBackup', 'PollBackup', 'TransferToArchive', 'DeleteDeviceCopy'] as const;
type FunctionState = (typeof FUNCTIONS)[number] | 'PruneArchive';

function resourcesOf(config: RunnerConfig): Resources {
  return synth(config).template.toJSON().Resources as Resources;
}

describe('least privilege', () => {
  const resources = resourcesOf(fleetConfig());
  const bucketId = logicalIdContaining(resources, 'AWS::S3::Bucket', 'Archive');
  const pruneRole = roleOf(resources[logicalIdContaining(resources, 'AWS::Lambda::Function', 'PruneArchiveFunction')]!);
  const statementsOf = (state: FunctionState) =>
    roleStatements(resources, roleOf(resources[logicalIdContaining(resources, 'AWS::Lambda::Function', `${state}Function`)]!));

  it.each(FUNCTIONS)('%s may read exactly the configured device secrets', (state) => {
    const secretStatements = statementsOf(state).filter((s) => s.Action.some((a) => a.startsWith('secretsmanager:')));
    expect(secretStatements).toEqual([{ Effect: 'Allow', Action: ['secretsmanager:GetSecretValue'], Resource: CONFIGURED_SECRETS }]);
  });

  it.each(['StartBackup', 'PollBackup', 'DeleteDeviceCopy'] as const)('%s has no other permission', (state) => {
    expect(statementsOf(state).flatMap((s) => s.Action)).toEqual(['secretsmanager:GetSecretValue']);
  });

  it('DecideRetry has no permission at all: it decides from the embedded config', () => {
    const role = roleOf(resources[logicalIdContaining(resources, 'AWS::Lambda::Function', 'DecideRetryFunction')]!);
    expect(roleStatements(resources, role)).toEqual([]);
  });

  it('PruneArchive reads no device secret: it works on the archive only', () => {
    expect(statementsOf('PruneArchive').flatMap((s) => s.Action).filter((a) => !a.startsWith('s3:'))).toEqual([]);
  });

  it('only the transfer function may write the archive, and only PutObject (with its tags)/AbortMultipartUpload/ListMultipartUploadParts under the prefix', () => {
    const s3Statements = statementsOf('TransferToArchive').filter((s) => s.Action.some((a) => a.startsWith('s3:')));
    expect(s3Statements).toEqual([
      {
        Effect: 'Allow',
        Action: ['s3:PutObject', 's3:PutObjectTagging', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
        Resource: [`\${${bucketId}.Arn}/backups/*`],
      },
    ]);
    expect(statementsOf('TransferToArchive').flatMap((s) => s.Action).sort()).toEqual(
      ['s3:AbortMultipartUpload', 's3:ListMultipartUploadParts', 's3:PutObject', 's3:PutObjectTagging', 'secretsmanager:GetSecretValue'].sort(),
    );
  });

  it('the prune function may list under the prefix, read manifests only, delete under the prefix, and nothing else', () => {
    expect(statementsOf('PruneArchive')).toEqual([
      { Effect: 'Allow', Action: ['s3:ListBucket'], Resource: [`\${${bucketId}.Arn}`] },
      { Effect: 'Allow', Action: ['s3:GetObject'], Resource: [`\${${bucketId}.Arn}/backups/*.manifest.json`] },
      { Effect: 'Allow', Action: ['s3:DeleteObject'], Resource: [`\${${bucketId}.Arn}/backups/*`] },
    ]);
    const prunePolicy = JSON.stringify(Object.values(resources).filter((r) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties?.Roles).includes(pruneRole)));
    expect(prunePolicy).toContain('"Condition":{"StringLike":{"s3:prefix":["backups/*"]}}');
  });

  it('the prune function reads Object Lock retention only when the bucket has Object Lock, and never deletes versions', () => {
    const r = resourcesOf(fleetConfig({ archive: { objectLock: { mode: 'GOVERNANCE', days: 30 } } }));
    const id = logicalIdContaining(r, 'AWS::S3::Bucket', 'Archive');
    const statements = roleStatements(r, roleOf(r[logicalIdContaining(r, 'AWS::Lambda::Function', 'PruneArchiveFunction')]!));
    expect(statements.find((s) => s.Action.includes('s3:DeleteObject'))).toEqual({
      Effect: 'Allow',
      Action: ['s3:DeleteObject', 's3:GetObjectRetention'],
      Resource: [`\${${id}.Arn}/backups/*`],
    });
    expect(JSON.stringify(statements)).not.toMatch(/DeleteObjectVersion|BypassGovernanceRetention|PutObject/);
  });

  it('only the prune function may delete from the archive', () => {
    const deleters = Object.values(resources).filter((r) => r.Type === 'AWS::IAM::Policy' && /"s3:Delete/.test(JSON.stringify(r.Properties)));
    expect(deleters.map((r) => flatten((r.Properties?.Roles as unknown[])[0]))).toEqual([`\${${pruneRole}}`]);
  });

  it('the prune function lists the whole bucket without a condition when the prefix is empty', () => {
    const r = resourcesOf(fleetConfig({ archive: { prefix: '' } }));
    const role = roleOf(r[logicalIdContaining(r, 'AWS::Lambda::Function', 'PruneArchiveFunction')]!);
    const policies = JSON.stringify(Object.values(r).filter((x) => x.Type === 'AWS::IAM::Policy' && JSON.stringify(x.Properties?.Roles).includes(role)));
    expect(policies).toContain('"s3:ListBucket"');
    expect(policies).not.toContain('Condition');
    expect(roleStatements(r, role).find((s) => s.Action.includes('s3:GetObject'))?.Resource).toEqual([
      `\${${logicalIdContaining(r, 'AWS::S3::Bucket', 'Archive')}.Arn}/*.manifest.json`,
    ]);
  });

  it('grants S3 to no other role in the stack', () => {
    const transferRole = roleOf(resources[logicalIdContaining(resources, 'AWS::Lambda::Function', 'TransferToArchiveFunction')]!);
    // The restore workflow's archive readers are held to their own grants in restore-workflow.spec.ts.
    const otherPolicies = Object.values(resources).filter(
      (r) =>
        r.Type === 'AWS::IAM::Policy' &&
        ![transferRole, pruneRole].some((role) => JSON.stringify(r.Properties?.Roles).includes(role)) &&
        !/"Ref":"RestoreWorkflow/.test(JSON.stringify(r.Properties?.Roles)),
    );
    expect(otherPolicies.length).toBeGreaterThan(0);
    expect(JSON.stringify(otherPolicies)).not.toMatch(/"s3:/);
  });

  it('gives every function only the basic execution managed policy', () => {
    const roles = Object.values(resources).filter((r) => r.Type === 'AWS::IAM::Role' && JSON.stringify(r.Properties).includes('lambda.amazonaws.com'));
    // The five backup steps and DecideRetry, plus the restore workflow's functions when the stack has them.
    expect(roles.length).toBeGreaterThanOrEqual(6);
    for (const role of roles) {
      expect((role.Properties?.ManagedPolicyArns as unknown[]).map(flatten)).toEqual([
        'arn:${AWS::Partition}:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole',
      ]);
    }
  });

  it('scopes the write grant to the whole bucket only when the prefix is empty', () => {
    const r = resourcesOf(fleetConfig({ archive: { prefix: '' } }));
    const fn = r[logicalIdContaining(r, 'AWS::Lambda::Function', 'TransferToArchiveFunction')]!;
    const s3 = roleStatements(r, roleOf(fn)).filter((s) => s.Action.includes('s3:PutObject'));
    expect(s3.map((s) => s.Resource)).toEqual([[`\${${logicalIdContaining(r, 'AWS::S3::Bucket', 'Archive')}.Arn}/*`]]);
  });
});

describe('deviceSecretNames', () => {
  it('lists each device secret once, sorted', () => {
    const config = parseConfig({
      archive: {},
      devices: [
        { id: 'b', type: 'riverbed-npm-v1', url: 'https://b.example.net', secret: 'shared' },
        { id: 'a', type: 'riverbed-npm-v1', url: 'https://a.example.net', secret: 'alpha' },
        { id: 'c', type: 'riverbed-npm-v1', url: 'https://c.example.net', secret: 'shared' },
      ],
    });
    expect(deviceSecretNames(config)).toEqual(['alpha', 'shared']);
  });

  it('includes secrets nested in a device (landing hosts, filers) so new device types are granted too', () => {
    const config = {
      ...fleetConfig(),
      devices: [
        {
          ...fleetConfig().devices[0]!,
          landing: { host: '10.0.0.9', secret: 'backup-runner/landing' },
          servers: [{ name: 'filer', secret: 'backup-runner/filer' }],
        },
      ],
    } as unknown as RunnerConfig; // the schema has no such device type yet; the walk must not depend on it
    expect(deviceSecretNames(config)).toEqual(['backup-runner/ar11-lab', 'backup-runner/filer', 'backup-runner/landing']);
  });
});

describe('deviceSecretArn', () => {
  const stack = new Stack(new App(), 'Test', { env: { account: '111122223333', region: 'eu-central-1' } });

  it('matches one secret by name plus the six-character suffix Secrets Manager adds', () => {
    expect(flatten(stack.resolve(deviceSecretArn(stack, 'backup-runner/ar11')))).toBe(
      'arn:${AWS::Partition}:secretsmanager:eu-central-1:111122223333:secret:backup-runner/ar11-??????',
    );
  });

  it('uses a full ARN from the config as it is', () => {
    const arn = 'arn:aws:secretsmanager:eu-central-1:111122223333:secret:shared/ar11-AbCdEf';
    expect(deviceSecretArn(stack, arn)).toBe(arn);
  });
});
