/**
 * Text PostgreSQL cannot store in a `text` column: a NUL character, or half of a surrogate pair
 * (not valid UTF-8). Checked before anything is written, so such a value is a 400, never a
 * database error (and never an activity that fails on it).
 */
export function unstorableText(s: string): boolean {
  return s.includes('\u0000') || /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(s);
}
