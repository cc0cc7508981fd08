/**
 * The edge's one check of every piece of text a request carries, before any route, guard or
 * service runs: the JSON or form body at any depth (values and keys), every query parameter, every
 * path segment and the headers we use as data. Text PostgreSQL cannot store (NUL), text that is not
 * Unicode (an unpaired UTF-16 surrogate, a percent-encoding that is not UTF-8) and text longer than
 * anything this API takes are refused with one 400 problem, `validation_failed` like any other bad
 * field, listing each field (named as the DTO errors name them: `tasks.0.title`, a query parameter
 * by its name, a header by its name, `path` for a path segment) with a code of its own
 * (`nulCharacter`, `unpairedSurrogate`, `malformedEncoding`, `tooLong`, `invalidHeader`; and
 * `numberOutOfRange` for a JSON number no quantity can be); a body nested deeper than any of our
 * DTOs is `too_deeply_nested`. Field validators (DTOs) still apply
 * their tighter, per-field rules afterwards.
 *
 * Why at the edge and not per field: a NUL that slips past a DTO reaches a workflow, whose activity
 * then fails on every retry (the database refuses it) and blocks the process for good.
 */
import { isUtf8 } from 'node:buffer';
import type { IncomingMessage } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import { FieldError, ProblemException } from './problem';

export const INPUT_LIMITS = {
  /** Deepest JSON nesting any DTO needs is about 5; 32 leaves room and stops pathological bodies. */
  maxDepth: 32,
  /** Longest string in a body. Every DTO field is bounded tighter (the longest is 5,000). */
  maxBodyText: 10_000,
  /** Longest query parameter value or path segment (signed decision links are ~500 characters). */
  maxUrlText: 2_000,
  /** Field errors listed in one answer. */
  maxErrors: 20,
} as const;

/** Headers whose value we store or use as data (beyond Authorization, which only selects a token). */
const DATA_HEADERS: Record<string, RegExp> = {
  // Same rule as the IdempotencyKey parameter: 1-255 visible ASCII characters.
  'idempotency-key': /^[\x21-\x7e]{1,255}$/,
};

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export type TextFault = 'nulCharacter' | 'unpairedSurrogate' | 'tooLong';

/** What is wrong with one string, if anything. */
export function textFault(s: string, maxLength: number): TextFault | undefined {
  if (s.includes('\u0000')) return 'nulCharacter';
  if (LONE_SURROGATE.test(s)) return 'unpairedSurrogate';
  if (s.length > maxLength) return 'tooLong';
  return undefined;
}

const MESSAGES: Record<TextFault | 'malformedEncoding' | 'invalidHeader' | 'numberOutOfRange', string> = {
  numberOutOfRange: `is a number beyond ±${Number.MAX_SAFE_INTEGER}, which cannot be carried exactly (money goes as a string of digits)`,
  nulCharacter: 'contains a NUL character (\\u0000), which cannot be stored',
  unpairedSurrogate: 'contains an unpaired UTF-16 surrogate: it is not valid Unicode text',
  tooLong: 'is longer than this API accepts',
  malformedEncoding: 'is percent-encoded, but not as UTF-8',
  invalidHeader: 'must be 1-255 visible ASCII characters',
};

class Faults {
  readonly errors: FieldError[] = [];
  add(field: string, code: keyof typeof MESSAGES): void {
    if (this.errors.length < INPUT_LIMITS.maxErrors) this.errors.push({ field, code, message: `${field === 'path' ? 'a path segment' : field} ${MESSAGES[code]}` });
  }
  text(field: string, s: string, max: number): void {
    const fault = textFault(s, max);
    if (fault) this.add(field, fault);
  }
}

function decode(s: string): string | undefined {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}

/** Walks a parsed body without recursion (so a deep body cannot exhaust the stack here either). */
function checkBody(body: unknown, faults: Faults): 'too_deep' | undefined {
  const stack: Array<{ value: unknown; path: string; depth: number }> = [{ value: body, path: '', depth: 0 }];
  while (stack.length) {
    const { value, path, depth } = stack.pop()!;
    if (typeof value === 'string') {
      faults.text(path || 'body', value, INPUT_LIMITS.maxBodyText);
    } else if (typeof value === 'number') {
      // JSON.parse makes 1e400 Infinity and rounds 9007199254740993: no quantity of ours is that large.
      if (!(Math.abs(value) <= Number.MAX_SAFE_INTEGER)) faults.add(path || 'body', 'numberOutOfRange');
    } else if (value !== null && typeof value === 'object') {
      if (depth >= INPUT_LIMITS.maxDepth) return 'too_deep';
      const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value);
      for (const [key, v] of entries) {
        const field = path ? `${path}.${key}` : key;
        if (!Array.isArray(value)) faults.text(textFault(key, INPUT_LIMITS.maxBodyText) ? path || 'body' : field, key, INPUT_LIMITS.maxBodyText);
        stack.push({ value: v, path: field, depth: depth + 1 });
      }
    }
  }
  return undefined;
}

function checkUrl(rawUrl: string, faults: Faults): void {
  const q = rawUrl.indexOf('?');
  const path = q === -1 ? rawUrl : rawUrl.slice(0, q);
  for (const segment of path.split('/')) {
    if (!segment) continue;
    const text = decode(segment);
    if (text === undefined) faults.add('path', 'malformedEncoding');
    else faults.text('path', text, INPUT_LIMITS.maxUrlText);
  }
  if (q === -1) return;
  for (const pair of rawUrl.slice(q + 1).split('&')) {
    if (!pair) continue;
    const eq = pair.indexOf('=');
    const rawKey = eq === -1 ? pair : pair.slice(0, eq);
    const key = decode(rawKey.replace(/\+/g, ' '));
    const value = eq === -1 ? '' : decode(pair.slice(eq + 1).replace(/\+/g, ' '));
    const field = key === undefined || textFault(key, INPUT_LIMITS.maxUrlText) ? 'query' : key;
    if (key === undefined || value === undefined) faults.add(field, 'malformedEncoding');
    else {
      faults.text(field, key, INPUT_LIMITS.maxUrlText);
      faults.text(field, value, INPUT_LIMITS.maxUrlText);
    }
  }
}

const charsetOf = (req: IncomingMessage) => /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(req.headers['content-type'] ?? '')?.[1]?.toLowerCase() ?? 'utf-8';

const bytesProblem = (faults: Faults) =>
  new ProblemException(400, 'validation_failed', 'the request body is not valid UTF-8 text', faults.errors);

/**
 * `verify` hook of the JSON parser: the raw body must be UTF-8 (a decoder would otherwise turn
 * broken bytes into U+FFFD silently).
 */
export function verifyJsonBytes(req: IncomingMessage, _res: unknown, buf: Buffer): void {
  if (charsetOf(req) !== 'utf-8' || isUtf8(buf)) return;
  const faults = new Faults();
  faults.add('body', 'malformedEncoding');
  throw bytesProblem(faults);
}

/** `verify` hook of the form parser: every percent-encoded name and value must decode as UTF-8. */
export function verifyFormBytes(req: IncomingMessage, _res: unknown, buf: Buffer): void {
  if (charsetOf(req) !== 'utf-8') return;
  const faults = new Faults();
  for (const pair of buf.toString('latin1').split('&')) {
    const [rawKey, rawValue = ''] = pair.split('=', 2);
    const key = decode(rawKey.replace(/\+/g, ' '));
    if (key === undefined || decode(rawValue.replace(/\+/g, ' ')) === undefined) faults.add(key && !textFault(key, INPUT_LIMITS.maxBodyText) ? key : 'body', 'malformedEncoding');
  }
  if (faults.errors.length) throw bytesProblem(faults);
}

/** Express middleware; mount it after the body parsers. */
export function inputGuard(req: Request, _res: Response, next: NextFunction): void {
  const faults = new Faults();
  checkUrl(req.originalUrl, faults);
  for (const [name, rule] of Object.entries(DATA_HEADERS)) {
    const raw = req.headers[name];
    const values = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
    const display = name.replace(/(^|-)(\w)/g, (_, dash: string, c: string) => dash + c.toUpperCase());
    if (values.some((v) => !rule.test(v))) faults.add(display, 'invalidHeader');
  }
  if (checkBody(req.body, faults) === 'too_deep') {
    return next(new ProblemException(400, 'too_deeply_nested', `the request body is nested deeper than ${INPUT_LIMITS.maxDepth} levels`));
  }
  if (faults.errors.length) {
    const fields = [...new Set(faults.errors.map((e) => e.field))];
    return next(new ProblemException(400, 'validation_failed', `the request carries text that cannot be accepted: ${fields.join(', ')}`, faults.errors));
  }
  next();
}
