import { existsSync, statSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { describe, expect, it } from 'vitest';
import { documentationPages, fromRoot, headingAnchors, readPage, relativeLinks, repoRoot } from './markdown';

/** One problem per broken link: the page and line, the target and what is wrong with it. */
function brokenLinks(): string[] {
  const problems: string[] = [];
  for (const page of documentationPages()) {
    for (const link of relativeLinks(page, readPage(page))) {
      const [path = '', anchor] = link.target.split('#', 2);
      const where = `${link.page}:${link.line} -> ${link.target}`;
      const file = path === '' ? join(repoRoot, page) : normalize(join(repoRoot, dirname(page), decodeURIComponent(path)));
      if (!file.startsWith(repoRoot)) {
        problems.push(`${where}: leaves the repository`);
        continue;
      }
      if (!existsSync(file)) {
        problems.push(`${where}: no such file`);
        continue;
      }
      if (anchor === undefined) continue;
      if (statSync(file).isDirectory() || !file.endsWith('.md')) {
        problems.push(`${where}: an anchor into something that is not a Markdown page`);
      } else if (!headingAnchors(readPage(fromRoot(file))).has(anchor)) {
        problems.push(`${where}: ${fromRoot(file)} has no heading #${anchor}`);
      }
    }
  }
  return problems;
}

describe('documentation links', () => {
  it('finds the pages and their links (the check below would pass vacuously otherwise)', () => {
    const pages = documentationPages();
    expect(pages).toContain('README.md');
    expect(pages).toContain('docs/restore-runbook.md');
    expect(pages.flatMap((page) => relativeLinks(page, readPage(page))).length).toBeGreaterThan(30);
  });

  it('every relative link resolves to a file, and every anchor to a heading of that page', () => {
    expect(brokenLinks()).toEqual([]);
  });

  it('anchors follow GitHub: punctuation dropped, spaces to hyphens, repeats numbered', () => {
    expect([...headingAnchors('## Archive storage: tiers, Object Lock\n### `qradar` (IBM)\n## Runbook\n## Runbook\n```\n# not a heading\n```\n')]).toEqual([
      'archive-storage-tiers-object-lock',
      'qradar-ibm',
      'runbook',
      'runbook-1',
    ]);
  });

  it('the README stays a front page: under 200 lines', () => {
    expect(readPage('README.md').split('\n').length).toBeLessThan(200);
  });
});
