import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

export const repoRoot = join(import.meta.dirname, '..', '..');

/** README.md and every page under docs/, as paths relative to the repository root. */
export function documentationPages(): string[] {
  const pages = ['README.md'];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(join(repoRoot, dir), { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.md')) pages.push(path);
    }
  };
  walk('docs');
  return pages.sort();
}

export const readPage = (page: string): string => readFileSync(join(repoRoot, page), 'utf8');

/** The page's text with fenced blocks blanked out (links and headings inside code are not links). */
export function proseOf(markdown: string): string {
  return markdown.replace(/^```[^\n]*\n[\s\S]*?^```/gm, (block) => block.replace(/[^\n]/g, ' '));
}

export interface FencedBlock {
  language: string;
  body: string;
  line: number;
}

export function fencedBlocks(markdown: string): FencedBlock[] {
  const blocks: FencedBlock[] = [];
  for (const match of markdown.matchAll(/^```([^\n]*)\n([\s\S]*?)^```/gm)) {
    blocks.push({ language: (match[1] ?? '').trim(), body: match[2] ?? '', line: markdown.slice(0, match.index).split('\n').length });
  }
  return blocks;
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
export function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const counts = new Map<string, number>();
  for (const match of proseOf(markdown).matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const slug = (match[1] ?? '')
      .toLowerCase()
      .replace(/<[^>]+>/g, '')
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const seen = counts.get(slug) ?? 0;
    counts.set(slug, seen + 1);
    anchors.add(seen === 0 ? slug : `${slug}-${seen}`);
  }
  return anchors;
}

export interface Link {
  page: string;
  target: string;
  line: number;
}

/** Inline links `[text](target)` outside code; absolute URLs and mail links are not relative links. */
export function relativeLinks(page: string, markdown: string): Link[] {
  const links: Link[] = [];
  const prose = proseOf(markdown).replace(/`[^`\n]*`/g, (code) => ' '.repeat(code.length));
  for (const match of prose.matchAll(/\]\(([^)\s]+)\)/g)) {
    const target = match[1] ?? '';
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue;
    links.push({ page, target, line: prose.slice(0, match.index).split('\n').length });
  }
  return links;
}

export const fromRoot = (absolute: string): string => relative(repoRoot, absolute);
