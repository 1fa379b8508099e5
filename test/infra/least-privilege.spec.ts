import { App, Stack } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../lambdas/config/load';
import type { RunnerConfig } from '../../lambdas/config/schema';
import { secretScopeArn } from '../../infra/constructs/device-secrets';
import { secretScopeIssues } from '../../lambdas/config/secret-scope';
import { ConfigError } from '../../lambdas/common/errors';
import { flatten, logicalIdContaining, roleOf, roleStatements, type Resources } from './cfn';
import { fleetConfig, fleetConfigRaw, synth } from './fixtures';

const SECRET_SCOPE = ['arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:backup-runner/*'];
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

  it.each(FUNCTIONS)('%s may read the secrets under the configured prefix, in one statement', (state) => {
    const secretStatements = statementsOf(state).filter((s) => s.Action.some((a) => a.startsWith('secretsmanager:')));
    expect(secretStatements).toEqual([{ Effect: 'Allow', Action: ['secretsmanager:GetSecretValue'], Resource: SECRET_SCOPE }]);
  });

  it('narrows the grant to tagged secrets with secrets.tag (ABAC), with or without a prefix', () => {
    const tagged = (secrets: Record<string, unknown>) => {
      const r = resourcesOf(parseConfig({ ...fleetConfigRaw(), secrets }));
      const fn = r[logicalIdContaining(r, 'AWS::Lambda::Function', 'StartBackupFunction')]!;
      const policy = Object.values(r).find((p) => p.Type === 'AWS::IAM::Policy' && JSON.stringify(p.Properties?.Roles).includes(roleOf(fn)))!;
      return (policy.Properties!.PolicyDocument as { Statement: { Action: unknown; Resource: unknown; Condition?: unknown }[] }).Statement.find((st) => st.Action === 'secretsmanager:GetSecretValue')!;
    };
    const tagOnly = tagged({ tag: { key: 'backup-runner:fleet', value: 'prod' } });
    expect(flatten(tagOnly.Resource)).toBe('arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:*');
    expect(tagOnly.Condition).toEqual({ StringEquals: { 'aws:ResourceTag/backup-runner:fleet': 'prod' } });
    const both = tagged({ prefix: 'backup-runner/', tag: { key: 'team', value: 'netops' } });
    expect(flatten(both.Resource)).toBe(SECRET_SCOPE[0]);
    expect(both.Condition).toEqual({ StringEquals: { 'aws:ResourceTag/team': 'netops' } });
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
    // The fleet health check lists the archive keys: its list-only grant is held in monitoring.spec.ts.
    const healthCheckRole = roleOf(resources[logicalIdContaining(resources, 'AWS::Lambda::Function', 'FreshnessCheckFunction')]!);
    // The restore workflow's archive readers are held to their own grants in restore-workflow.spec.ts.
    const otherPolicies = Object.values(resources).filter(
      (r) =>
        r.Type === 'AWS::IAM::Policy' &&
        ![transferRole, pruneRole, healthCheckRole].some((role) => JSON.stringify(r.Properties?.Roles).includes(role)) &&
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

describe('secrets scope in the config', () => {
  const device = (secret: string, extra: Record<string, unknown> = {}) => ({ id: 'fg-east', type: 'riverbed-npm-v1', url: 'https://fg.example.net', secret, ...extra });
  const load = (devices: unknown[], secrets?: unknown) => parseConfig({ archive: {}, devices, ...(secrets ? { secrets } : {}) });
  const issuesOf = (fn: () => unknown): string[] => {
    try {
      fn();
    } catch (error) {
      if (error instanceof ConfigError) return [...error.issues];
      throw error;
    }
    return [];
  };

  it('defaults to the prefix backup-runner/ and refuses a device secret outside it, naming the field', () => {
    expect(load([device('backup-runner/fg-east')]).secrets).toEqual({ prefix: 'backup-runner/' });
    expect(issuesOf(() => load([device('fg-east')]))).toEqual([expect.stringMatching(/^devices\[0\]\.secret: "fg-east" is outside secrets\.prefix "backup-runner\/"/)]);
  });

  it('checks nested secrets (a landing host\'s) and the name inside an ARN', () => {
    expect(secretScopeIssues([{ secret: 'team/a', landing: { secret: 'other/landing' } }], { prefix: 'team/' }).map((i) => i.path.join('.'))).toEqual(['devices.0.landing.secret']);
    const arn = 'arn:aws:secretsmanager:eu-central-1:111122223333:secret:backup-runner/fg-east-AbCdEf';
    expect(issuesOf(() => load([device(arn)]))).toEqual([]);
    expect(issuesOf(() => load([device('arn:aws:secretsmanager:eu-central-1:111122223333:secret:admin/root-AbCdEf')]))).toEqual([
      expect.stringMatching(/^devices\[0\]\.secret: .* is outside secrets\.prefix/),
    ]);
  });

  it('takes any name with a tag only (IAM checks the tag), and refuses a prefix that does not end in "/"', () => {
    expect(issuesOf(() => load([device('fg-east')], { tag: { key: 'backup-runner', value: 'yes' } }))).toEqual([]);
    expect(issuesOf(() => load([device('team-a')], { prefix: 'team' }))).toEqual([expect.stringMatching(/^secrets\.prefix: must end with "\/"/)]);
  });

  it('makes one ARN pattern for the prefix', () => {
    const stack = new Stack(new App(), 'Test', { env: { account: '111122223333', region: 'eu-central-1' } });
    expect(flatten(stack.resolve(secretScopeArn(stack, { prefix: 'backup-runner/' })))).toBe('arn:${AWS::Partition}:secretsmanager:eu-central-1:111122223333:secret:backup-runner/*');
  });
});
