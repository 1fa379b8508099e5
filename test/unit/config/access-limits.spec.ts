import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../lambdas/config/load';
import { foreignSecretArns, secretFields } from '../../../lambdas/config/secret-ref';
import { configIssues } from '../support/config-issues';

/**
 * Config that cannot widen access (issue 14): every value that becomes an IAM resource, an S3
 * key prefix or a place the runner sends credentials is literal and refused otherwise, with the
 * field's path. These only feed addresses to the schema; nothing here sends traffic.
 */
const NPM_V1 = { id: 'ar11-lab', type: 'riverbed-npm-v1', url: 'https://ar11.example.net', secret: 'backup-runner/ar11-lab' };
const HOST_KEY = `SHA256:${'A'.repeat(43)}`;
const FLOW_GATEWAY = {
  id: 'fg-east',
  type: 'riverbed-flow-gateway',
  url: 'https://fg-east.example.net',
  secret: 'backup-runner/fg-east',
  landing: { host: '10.0.0.9', path: '/srv/backups/fg-east', hostKey: HOST_KEY, secret: 'backup-runner/landing' },
};
const config = (device: Record<string, unknown>, archive: Record<string, unknown> = {}) => ({ archive, devices: [device] });

describe('secret references', () => {
  it.each([
    ['a wildcard', '*'],
    ['a wildcard inside a name', 'backup-runner/*'],
    ['a single-character wildcard', 'backup-runner/ar11-?'],
    ['a space', 'backup runner/ar11'],
    ['a character Secrets Manager never allows', 'backup-runner/ar11#1'],
  ])('refuses a secret name with %s', (_what, secret) => {
    expect(configIssues(config({ ...NPM_V1, secret }))).toEqual([expect.stringMatching(/^devices\[0\]\.secret: must be a Secrets Manager secret name: .*no wildcards/)]);
  });

  it.each([
    ['a wildcard for the random suffix', 'arn:aws:secretsmanager:eu-central-1:111122223333:secret:ar11-*'],
    ['a wildcard for the name', 'arn:aws:secretsmanager:eu-central-1:111122223333:secret:*'],
    ['a wildcard account', 'arn:aws:secretsmanager:eu-central-1:*:secret:ar11-AbCdEf'],
    ['no random suffix (a partial ARN matches nothing in IAM)', 'arn:aws:secretsmanager:eu-central-1:111122223333:secret:ar11'],
    ['another service', 'arn:aws:ssm:eu-central-1:111122223333:parameter/ar11'],
  ])('refuses a secret ARN with %s', (_what, secret) => {
    expect(configIssues(config({ ...NPM_V1, secret }))).toEqual([expect.stringMatching(/^devices\[0\]\.secret: must be a complete secret ARN/)]);
  });

  it('checks the nested secrets of a device too (landing host, filer)', () => {
    const issues = configIssues(config({ ...FLOW_GATEWAY, landing: { ...FLOW_GATEWAY.landing, secret: 'landing/*' } }));
    expect(issues).toEqual([expect.stringMatching(/^devices\[0\]\.landing\.secret: must be a Secrets Manager secret name/)]);
  });

  it('accepts names with every character Secrets Manager allows, and complete ARNs', () => {
    const arn = 'arn:aws:secretsmanager:eu-central-1:111122223333:secret:backup-runner/ar11-AbCdEf';
    expect(parseConfig(config({ ...NPM_V1, secret: 'backup-runner/team_a/ar11+lab=1.x@site-b' })).devices[0]?.secret).toBe('backup-runner/team_a/ar11+lab=1.x@site-b');
    expect(parseConfig(config({ ...NPM_V1, secret: arn })).devices[0]?.secret).toBe(arn);
  });

  it('names every secret field with its path, landing and filer secrets included', () => {
    const parsed = parseConfig({ archive: {}, devices: [NPM_V1, FLOW_GATEWAY] });
    expect(secretFields(parsed.devices)).toEqual([
      { path: 'devices[0].secret', pathParts: ['devices', 0, 'secret'], value: 'backup-runner/ar11-lab' },
      { path: 'devices[1].secret', pathParts: ['devices', 1, 'secret'], value: 'backup-runner/fg-east' },
      { path: 'devices[1].landing.secret', pathParts: ['devices', 1, 'landing', 'secret'], value: 'backup-runner/landing' },
    ]);
  });

  it("refuses ARNs outside the stack's partition, region and account when those are known", () => {
    const fields = [
      { path: 'devices[0].secret', value: 'arn:aws:secretsmanager:eu-central-1:111122223333:secret:ours-AbCdEf' },
      { path: 'devices[1].secret', value: 'arn:aws:secretsmanager:eu-central-1:999988887777:secret:theirs-AbCdEf' },
      { path: 'devices[2].secret', value: 'arn:aws-cn:secretsmanager:cn-north-1:111122223333:secret:china-AbCdEf' },
      { path: 'devices[3].secret', value: 'plain/name' },
    ];
    expect(foreignSecretArns(fields, { account: '111122223333', region: 'eu-central-1' })).toEqual([
      'devices[1].secret: the secret belongs to account 999988887777, the stack to 111122223333; the runner reads secrets of its own account only',
      "devices[2].secret: the secret's partition aws-cn is not the stack's (aws, region eu-central-1)",
      'devices[2].secret: the secret is in region cn-north-1, the stack in eu-central-1; the runner reads secrets in its own region only',
    ]);
    // An environment-agnostic stack knows neither: nothing to compare against.
    expect(foreignSecretArns(fields, {})).toEqual([]);
  });
});

describe('archive.prefix', () => {
  it.each([
    ['*/', /must be folders of .*"\*" and other characters are refused/],
    ['backups/*/', /"\*" and other characters are refused/],
    ['../backups/', /must not hold a "\." or "\.\." folder/],
    ['backups/../other/', /must not hold a "\." or "\.\." folder/],
    ['./backups/', /must not hold a "\." or "\.\." folder/],
    ['/backups/', /must not start with "\/"/],
    ['backups//x/', /must not hold an empty folder/],
    ['backups', /must be empty or end with "\/"/],
    ['_backup-runner/', /must not lie in _backup-runner\/, the runner's own folder/],
    ['_backup-runner/backups/', /must not lie in _backup-runner\//],
  ])('refuses %s', (prefix, message) => {
    const issues = configIssues(config(NPM_V1, { prefix }));
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatch(/^archive\.prefix: /);
    expect(issues[0]).toMatch(message);
  });

  it.each(['', 'backups/', 'site-a/backups/', "a.b/c_d/(e)/f!'g/"])('accepts %j', (prefix) => {
    expect(parseConfig(config(NPM_V1, { prefix })).archive.prefix).toBe(prefix);
  });
});

describe('device URLs', () => {
  it('refuses a user name or password in the URL', () => {
    expect(configIssues(config({ ...NPM_V1, url: 'https://u:p@ar11.example.net' }))).toEqual([
      expect.stringMatching(/^devices\[0\]\.url: must not hold a user name or password .*Secrets Manager secret/),
    ]);
    expect(configIssues(config({ ...NPM_V1, url: 'https://admin@ar11.example.net' }))).toEqual([expect.stringMatching(/^devices\[0\]\.url: must not hold a user name/)]);
  });

  it('refuses http:// unless the device opts in with allowInsecureHttp: true', () => {
    expect(configIssues(config({ ...NPM_V1, url: 'http://ar11.example.net' }))).toEqual([
      expect.stringMatching(/^devices\[0\]\.url: is http:\/\/: .*set allowInsecureHttp: true on this device/),
    ]);
    expect(configIssues(config({ ...NPM_V1, url: 'http://ar11.example.net', allowInsecureHttp: false }))).toHaveLength(1);
    expect(parseConfig(config({ ...NPM_V1, url: 'http://ar11.example.net', allowInsecureHttp: true })).devices[0]?.url).toBe('http://ar11.example.net');
  });

  it('refuses tls settings together with an http:// url', () => {
    const device = { ...NPM_V1, url: 'http://ar11.example.net', allowInsecureHttp: true, tls: { fingerprint256: 'AB'.repeat(32) } };
    expect(configIssues(config(device))).toEqual([expect.stringMatching(/^devices\[0\]\.tls: is set but url is http:\/\//)]);
  });

  it.each([
    ['the IPv4 metadata address', { ...NPM_V1, url: 'https://169.254.169.254' }, 'devices[0].url'],
    ['an IPv4 link-local address', { ...NPM_V1, url: 'https://169.254.10.20:8443' }, 'devices[0].url'],
    ['an IPv6 link-local address', { ...NPM_V1, url: 'https://[fe80::1]' }, 'devices[0].url'],
    ['an IPv4-mapped link-local address', { ...NPM_V1, url: 'https://[::ffff:169.254.169.254]' }, 'devices[0].url'],
    ['a link-local landing host', { ...FLOW_GATEWAY, landing: { ...FLOW_GATEWAY.landing, host: '169.254.0.5' } }, 'devices[0].landing.host'],
  ])('refuses %s, without a VPC too', (_what, device, path) => {
    const issues = configIssues(config(device));
    expect(issues).toEqual([expect.stringContaining(`${path}: `)]);
    expect(issues[0]).toMatch(/is a link-local address/);
  });
});

describe('all errors at once', () => {
  it('reports a missing archive together with the devices\' problems', () => {
    const issues = configIssues({
      devices: [
        { ...NPM_V1, url: 'http://ar11.example.net' },
        { ...NPM_V1, secret: '*' },
      ],
    });
    expect(issues).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^archive: is required/),
        expect.stringMatching(/^devices\[1\]\.secret: must be a Secrets Manager secret name/),
        expect.stringMatching(/^devices\[0\]\.url: is http:\/\//),
        expect.stringMatching(/^devices\[1\]\.id: duplicates devices\[0\]\.id "ar11-lab"/),
      ]),
    );
  });

  it('accepts archive: {} as the whole archive section', () => {
    expect(parseConfig({ archive: {}, devices: [NPM_V1] }).archive.prefix).toBe('backups/');
  });
});
