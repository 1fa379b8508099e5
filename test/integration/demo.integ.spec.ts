import { readFile } from 'node:fs/promises';
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
    expect(text).toMatch(/ar11-demo\s+riverbed-npm-v1\s+SUCCEEDED\s+32\.0 MiB \(33554432 B\)\s+[0-9a-f]{12}\s+same bytes as served/);
    // The SSH device types, against the in-process SFTP server (no sshd needed): the Flow
    // Gateway's landed directory as one tar (12 MiB file + two small ones + headers), QRadar's file.
    expect(text).toMatch(/fg-demo\s+riverbed-flow-gateway\s+SUCCEEDED\s+12\.0 MiB \(12588032 B\)\s+[0-9a-f]{12}\s+same bytes as served/);
    expect(text).toMatch(/qradar-demo\s+qradar\s+SUCCEEDED\s+16\.0 MiB \(16777216 B\)\s+[0-9a-f]{12}\s+same bytes as served/);
    expect(text).not.toMatch(/FAILED|DIFFERS/);
    // One restore through the restore state machine: the device received the archived bytes.
    expect(text).toMatch(/received by the device\s+32\.0 MiB\s+([0-9a-f]{12})/);
    expect(text).toMatch(/ar11-demo: restored backups\/ar11-demo\/\S+; recovery time \d+\.\d s \(request to device back up\)/);
    expect(text).toContain('OK: the device received exactly the archived bytes and came back up.');
    // It ends with the fleet report of what it did, its path printed.
    const written = /Report written to (\S+demo-report\.html) \([\d.]+ KiB, 5 devices\)\n$/.exec(text);
    expect(written, text.slice(-400)).not.toBeNull();
    const html = await readFile(written![1]!, 'utf8');
    for (const id of ['ar11-demo', 'fg-demo', 'qradar-demo']) expect(html).toContain(`"id":"${id}"`);
    expect(html).toMatch(/"lastRestore":\{"executionName":"ar11-demo-restore-[^"]+","status":"SUCCEEDED"/);
    expect(code).toBe(0);
  }, 300_000);
});
