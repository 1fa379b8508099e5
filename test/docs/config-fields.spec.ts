import { describe, expect, it } from 'vitest';
import { readPage, proseOf } from './markdown';
import { deviceTypeSchemas, fieldPaths, wholeConfigPaths } from '../../lambdas/config/field-paths';

const SECTIONS = ['archive', 'workflow', 'scheduler', 'network', 'alerts'];

/**
 * The field paths a page documents: the first cell of each table row, e.g. `archive.retention`,
 * or `devices[].server.host`, `.port`, `.path` (a leading dot continues the previous path's parent).
 */
export function documentedFields(markdown: string): string[] {
  const fields: string[] = [];
  for (const row of proseOf(markdown).split('\n')) {
    const cell = /^\|\s*([^|]*?)\s*\|/.exec(row)?.[1];
    if (!cell) continue;
    let previous: string | undefined;
    for (const code of cell.matchAll(/`([^`]+)`/g)) {
      const text = code[1] ?? '';
      if (text.startsWith('.') && previous) {
        fields.push(previous.slice(0, previous.lastIndexOf('.')) + text);
      } else if (/^(devices\[\]|archive|workflow|scheduler|network|alerts)(\.|$)/.test(text)) {
        previous = text;
        fields.push(text);
      }
    }
  }
  return fields;
}

/** A field is covered when it is documented, or a field below it is (its row then describes the parent too). */
function undocumented(required: Iterable<string>, documented: readonly string[]): string[] {
  return [...required].filter((path) => !documented.some((doc) => doc === path || doc.startsWith(`${path}.`)));
}

const devicePages = [...deviceTypeSchemas().keys()].map((type) => ({ type, page: `docs/devices/${type}.md` }));

function commonDeviceFields(): Set<string> {
  const perType = [...deviceTypeSchemas().values()].map((schema) => fieldPaths(schema, 'devices[]'));
  return new Set([...(perType[0] ?? [])].filter((path) => perType.every((paths) => paths.has(path))));
}

const isFieldOfEntry = (path: string): boolean => /^devices\[\]\.[^.[]+$/.test(path);

describe('docs/config.md and docs/devices/*.md against the zod schema', () => {
  const config = documentedFields(readPage('docs/config.md'));

  it('reads the field rows (a check of nothing would pass)', () => {
    expect(config).toContain('archive.retention');
    expect(config).toContain('devices[].tls');
    expect(documentedFields('| `devices[].server.host`, `.port` | x |\n| `archive.s3` | y |\n')).toEqual(['devices[].server.host', 'devices[].server.port', 'archive.s3']);
    expect(devicePages.map((d) => d.type).sort()).toEqual(['qradar', 'riverbed-flow-gateway', 'riverbed-npm-v1', 'riverbed-npm-v2', 'storware']);
  });

  it('every field of every section has a row in config.md', () => {
    const sectionFields = [...wholeConfigPaths()].filter((path) => SECTIONS.some((s) => path.startsWith(`${s}.`) && path.split('.').length === 2));
    expect(undocumented(sectionFields, config)).toEqual([]);
  });

  it('every field all device types share has a row in config.md', () => {
    expect(undocumented([...commonDeviceFields()].filter(isFieldOfEntry), config)).toEqual([]);
  });

  it.each(devicePages)('every field only $type has is on $page', ({ type, page }) => {
    const common = commonDeviceFields();
    const own = [...fieldPaths(deviceTypeSchemas().get(type)!, 'devices[]')].filter((path) => isFieldOfEntry(path) && !common.has(path));
    expect(undocumented(own, documentedFields(readPage(page)))).toEqual([]);
  });

  it('every documented field exists in the schema (renamed or removed fields do not linger)', () => {
    const all = wholeConfigPaths();
    expect(config.filter((path) => !all.has(path))).toEqual([]);
    for (const { type, page } of devicePages) {
      const paths = fieldPaths(deviceTypeSchemas().get(type)!, 'devices[]');
      expect(documentedFields(readPage(page)).filter((path) => !paths.has(path)), page).toEqual([]);
    }
  });
});
