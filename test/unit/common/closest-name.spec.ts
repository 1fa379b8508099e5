import { describe, expect, it } from 'vitest';
import { closestName, editDistance } from '../../../lambdas/common/closest-name';

describe('closestName', () => {
  it('counts insertions, deletions, substitutions and swaps as one edit each', () => {
    expect(editDistance('prefix', 'prefx')).toBe(1);
    expect(editDistance('tls', 'tsl')).toBe(1);
    expect(editDistance('secret', 'secert')).toBe(1);
    expect(editDistance('abc', 'xyz')).toBe(3);
    expect(editDistance('', 'ab')).toBe(2);
  });

  it('suggests only what is close: at most a third of the name, at least one edit', () => {
    expect(closestName('prefx', ['bucket', 'prefix', 'retention'])).toBe('prefix');
    expect(closestName('tsl', ['tls', 'url'])).toBe('tls');
    expect(closestName('zzz', ['bucket', 'prefix'])).toBeUndefined();
    expect(closestName('ar12', ['ar11-lab'])).toBeUndefined();
  });

  it('ignores case, and never suggests the name itself', () => {
    expect(closestName('timeZone', ['timezone'])).toBe('timezone');
    expect(closestName('tls', ['tls'])).toBeUndefined();
  });
});
