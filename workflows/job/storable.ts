/**
 * Text PostgreSQL can store: no NUL (refused by `text` and `jsonb`), no unpaired UTF-16 surrogate
 * (not valid UTF-8). Used when an activity reports DATA_REJECTED for a record of the job: the job
 * stores what it can instead of stopping. Pure; runs in the workflow sandbox.
 */
export function storableText(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/\u0000/g, '').replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
}

/** Every string in a plain JSON value made storable, in place; returns how many changed. */
export function makeStorable(value: unknown): number {
  let changed = 0;
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') {
      const s = storableText(v);
      if (s !== v) changed++;
      return s;
    }
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) v[i] = walk(v[i]);
    } else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      for (const k of Object.keys(o)) o[k] = walk(o[k]);
    }
    return v;
  };
  walk(value);
  return changed;
}
