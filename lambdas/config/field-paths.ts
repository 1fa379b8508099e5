import type { z } from 'zod';
import { configSchema, deviceSchema } from './schema';

/**
 * The config's field paths, read from the zod schema itself: what the docs must list
 * (test/docs/config-fields.spec.ts) and what a misspelled key is compared with.
 */

/** The zod 4 definition fields this walk reads; typed here so the walk needs no `any`. */
interface Def {
  type: string;
  innerType?: z.ZodType;
  in?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  element?: z.ZodType;
  options?: readonly z.ZodType[];
}

function defOf(schema: z.ZodType): Def {
  return (schema as unknown as { _zod: { def: Def } })._zod.def;
}

/**
 * Every field path a config file can hold, as the docs write them: `archive.lifecycle.transitions`,
 * `devices[].tls`. Wrappers (optional, default, pipe/refine/transform) are looked through; a union
 * contributes the fields of every branch.
 */
export function fieldPaths(schema: z.ZodType, prefix = ''): Set<string> {
  const paths = new Set<string>();
  const walk = (node: z.ZodType, at: string): void => {
    const def = defOf(node);
    switch (def.type) {
      case 'optional':
      case 'nullable':
      case 'default':
      case 'prefault':
      case 'readonly':
      case 'catch':
        if (def.innerType) walk(def.innerType, at);
        return;
      case 'pipe':
        if (def.in) walk(def.in, at);
        return;
      case 'object':
        for (const [key, value] of Object.entries(def.shape ?? {})) {
          const path = at === '' ? key : `${at}.${key}`;
          paths.add(path);
          walk(value, path);
        }
        return;
      case 'array':
        if (def.element) walk(def.element, `${at}[]`);
        return;
      case 'union':
        for (const option of def.options ?? []) walk(option, at);
        return;
      default:
        return;
    }
  };
  walk(schema, prefix);
  return paths;
}

/** The schema of each device type, keyed by its `type` literal. */
export function deviceTypeSchemas(): Map<string, z.ZodType> {
  const byType = new Map<string, z.ZodType>();
  for (const option of defOf(deviceSchema).options ?? []) {
    const typeField = defOf(option).shape?.type;
    const values = typeField ? (typeField as unknown as { _zod: { def: { values?: unknown[] } } })._zod.def.values : undefined;
    if (typeof values?.[0] !== 'string') throw new Error('a device schema without a literal type');
    byType.set(values[0], option);
  }
  return byType;
}

export const wholeConfigPaths = (): Set<string> => fieldPaths(configSchema);

let allPaths: Set<string> | undefined;

/**
 * The fields a config object at `parent` (a path in the docs' terms: `archive`, `devices[]`,
 * `devices[].server`, `` for the top level) may hold, for "did you mean" suggestions.
 */
export function knownFieldsAt(parent: string): string[] {
  allPaths ??= wholeConfigPaths();
  const prefix = parent === '' ? '' : `${parent}.`;
  return [...allPaths].filter((p) => p.startsWith(prefix) && !p.slice(prefix.length).includes('.')).map((p) => p.slice(prefix.length));
}
