/**
 * Every piece of free text a request DTO takes has an upper bound that makes sense for the
 * business: a string field without `@MaxLength` (or a closed form: a UUID, a date, one of a list)
 * fails here, so a new DTO cannot forget it. (The edge's input guard is the outer bound for all
 * text; these are the per-field ones.)
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { getMetadataStorage } from 'class-validator';

/** Constraints that make a string field bounded by themselves. */
const CLOSED = new Set(['maxLength', 'isLength', 'isIn', 'isEnum', 'isUUID', 'isDateString', 'isISO8601', 'isIntegerAmount', 'isBoolean', 'isInt']);
/** Constraints that say a field is text. */
const TEXT = new Set(['isString', 'isUrl', 'isEmail', 'matches', 'isNotEmpty']);

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) return sources(p);
    return /\.(dto|controller)\.ts$|member-tokens\.ts$|common[/\\]dto\.ts$/.test(p) ? [p] : [];
  });
}

/** An anchored pattern without unbounded repetition (`*`, `+`, `{n,}`) bounds a string's length by itself. */
const boundedPattern = (re: unknown) => re instanceof RegExp && re.source.startsWith('^') && re.source.endsWith('$') && !/(?<!\\)[*+]|\{\d+,\}/.test(re.source);

interface Meta {
  propertyName: string;
  name?: string;
  type: string;
  constraints?: unknown[];
}

describe('request DTOs', () => {
  beforeAll(async () => {
    // Loading each file registers its DTO classes' decorators.
    for (const file of sources(join(__dirname, '..'))) await import(file);
  });

  it('bound every text field', () => {
    const storage = getMetadataStorage() as unknown as { validationMetadatas: Map<{ name: string }, Meta[]> };
    const byField = new Map<string, Meta[]>();
    for (const [target, metas] of storage.validationMetadatas) {
      for (const meta of metas) byField.set(`${target.name}.${meta.propertyName}`, [...(byField.get(`${target.name}.${meta.propertyName}`) ?? []), meta]);
    }
    expect(byField.size).toBeGreaterThan(50);
    const kind = (m: Meta) => m.name ?? m.type;
    const unbounded = [...byField]
      .filter(([, metas]) => metas.some((m) => TEXT.has(kind(m))))
      .filter(([, metas]) => !metas.some((m) => CLOSED.has(kind(m)) || (kind(m) === 'matches' && boundedPattern(m.constraints?.[0]))))
      .map(([k]) => k);
    expect(unbounded).toEqual([]);
  });
});
