import { describe, expect, it } from 'vitest';
import { REDACTED, SecretScrubber, scrubberRecordingSource } from '../../../lambdas/common/secret-scrubber';
import { staticSecretSource } from '../../../lambdas/common/secrets';
import { untrustedText } from '../../../lambdas/common/untrusted-text';

const PASSWORD = 'pa"ss/wo rd\\canary';

describe('SecretScrubber', () => {
  it('replaces a password in the forms a device echoes it: raw, as JSON text (once and twice), URL-encoded', () => {
    const scrubber = new SecretScrubber();
    scrubber.register({ username: 'admin', password: PASSWORD });
    const body = JSON.stringify({ user_credentials: { username: 'admin', password: PASSWORD } });
    for (const text of [
      `raw ${PASSWORD}`,
      `400 ${body}`,
      `quoted again ${JSON.stringify(body)}`,
      `form password=${encodeURIComponent(PASSWORD)}`,
      `query ${new URLSearchParams({ password: PASSWORD }).toString()}`,
    ]) {
      const scrubbed = scrubber.scrub(text);
      expect(scrubbed, text).toContain(REDACTED);
      expect(scrubbed).not.toContain('canary');
    }
    // The account name is what an operator needs to read: not scrubbed.
    expect(scrubber.scrub('refused login as "admin"')).toBe('refused login as "admin"');
  });

  it('registers every credential field of every driver secret, at any depth, and not the identity fields', () => {
    const scrubber = new SecretScrubber();
    scrubber.register({
      username: 'backup-user',
      login: 'storware-login',
      sshUsername: 'qradar-ssh',
      password: 'p-canary-1',
      securityPassword: 'p-canary-2',
      security_pwd: 'p-canary-3',
      token: 'p-canary-4',
      sshPassword: 'p-canary-5',
      passphrase: 'p-canary-6',
      nested: { privateKey: 'p-canary-7' },
      somethingNew: 'p-canary-8',
    });
    const text = Array.from({ length: 8 }, (_, i) => `p-canary-${i + 1}`).join(' ');
    expect(scrubber.scrub(text)).toBe(Array.from({ length: 8 }, () => REDACTED).join(' '));
    expect(scrubber.scrub('backup-user storware-login qradar-ssh')).toBe('backup-user storware-login qradar-ssh');
  });

  it('scrubs a private key whole and each of its long lines alone', () => {
    const key = ['-----BEGIN OPENSSH PRIVATE KEY-----', 'b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAE', 'bm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW', '-----END OPENSSH PRIVATE KEY-----'].join('\n');
    const scrubber = new SecretScrubber();
    scrubber.register({ privateKey: key });
    expect(scrubber.scrub(`key: ${key}`)).toBe(`key: ${REDACTED}`);
    expect(scrubber.scrub('echoed line bm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW here')).toBe(`echoed line ${REDACTED} here`);
    expect(scrubber.scrub(JSON.stringify({ key }))).not.toContain('b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAE');
  });

  it('scrubs the start of a secret that a cut (untrustedText) left right before its marker', () => {
    const scrubber = new SecretScrubber();
    scrubber.register({ password: 'canary-0123456789' });
    const cut = untrustedText(`x`.repeat(490) + 'canary-0123456789 and more');
    expect(cut).toContain('canary-012...[cut');
    expect(scrubber.scrub(`before ${cut} after`)).toBe(`before ${'x'.repeat(490)}${REDACTED}...[cut 16 characters] after`);
    expect(scrubber.scrub('ab...[cut 3 characters]')).toBe('ab...[cut 3 characters]');
  });

  it('scrubs HTTP Basic credentials (base64 of "user:password"), which a device may echo as its Authorization header', () => {
    const scrubber = new SecretScrubber();
    scrubber.register({ username: 'admin', password: 'canary-basic' });
    expect(scrubber.scrub(`Authorization: Basic ${Buffer.from('admin:canary-basic').toString('base64')}`)).toBe(`Authorization: Basic ${REDACTED}`);
  });

  it('leaves values shorter than 4 characters alone (scrubbing "ab" everywhere would garble every message)', () => {
    const scrubber = new SecretScrubber();
    scrubber.register({ password: 'ab' });
    expect(scrubber.size).toBe(0);
    expect(scrubber.scrub('about')).toBe('about');
  });

  it('scrubs strings and keys of a JSON value deep, and the recording source registers what it returns', async () => {
    const scrubber = new SecretScrubber();
    const source = scrubberRecordingSource(staticSecretSource({ s: { username: 'u', password: 'hunter2-canary' } }), scrubber);
    expect(scrubber.scrub('hunter2-canary')).toBe('hunter2-canary');
    await expect(source.get('s')).resolves.toEqual({ username: 'u', password: 'hunter2-canary' });
    expect(scrubber.scrubDeep({ a: ['x hunter2-canary'], 'hunter2-canary': 1, n: 2 })).toEqual({ a: [`x ${REDACTED}`], [REDACTED]: 1, n: 2 });
  });
});
