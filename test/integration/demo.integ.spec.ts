import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { demoCommand } from '../../cli/commands/demo';

describe('backup-runner demo', () => {
  it('backs up every simulated appliance and proves the archive holds the served bytes', async () => {
    const out = new PassThrough();
    let text = '';
    out.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    const code = await demoCommand({}, out);
    expect(text).toContain('OK: every archive holds exactly the bytes its device served.');
    expect(text).toMatch(/ar11-demo\s+riverbed-npm-v1\s+SUCCEEDED\s+32\.0 MiB \(33554432 B\)\s+[0-9a-f]{64}\s+same bytes as served/);
    expect(code).toBe(0);
  }, 120_000);
});
