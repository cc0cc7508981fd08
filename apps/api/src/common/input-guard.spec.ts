import type { NextFunction, Request, Response } from 'express';
import fc from 'fast-check';
import { INPUT_LIMITS, inputGuard, textFault } from './input-guard';
import { ProblemException } from './problem';

function run(req: Partial<Request>): ProblemException | undefined {
  let out: unknown = 'not called';
  inputGuard({ originalUrl: '/x', headers: {}, body: undefined, ...req } as Request, {} as Response, ((e?: unknown) => (out = e)) as NextFunction);
  if (out === 'not called') throw new Error('next was not called');
  return out as ProblemException | undefined;
}

describe('textFault', () => {
  it('finds NUL, unpaired surrogates and over-long text', () => {
    expect(textFault('a\u0000b', 10)).toBe('nulCharacter');
    expect(textFault('a\ud800b', 10)).toBe('unpairedSurrogate');
    expect(textFault('a\udc00', 10)).toBe('unpairedSurrogate');
    expect(textFault('\udc00\ud800', 10)).toBe('unpairedSurrogate');
    expect(textFault('x'.repeat(11), 10)).toBe('tooLong');
  });

  it('accepts any well-formed text without NUL (emoji, other scripts, control characters PostgreSQL stores)', () => {
    expect(textFault('Grüße 🌱 温室 \t\n\u0001', 100)).toBeUndefined();
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 50 }), (s) => {
        expect(textFault(s.split('\u0000').join(''), 1_000)).toBeUndefined();
      }),
    );
  });

  it('finds every string that would not survive a round trip through UTF-8', () => {
    // Any UTF-16 code units, with surrogate halves and NUL made frequent.
    const unit = fc.oneof(fc.integer({ min: 0, max: 0xffff }), fc.constantFrom(0, 0xd800, 0xdbff, 0xdc00, 0xdfff));
    fc.assert(
      fc.property(fc.array(unit, { maxLength: 12 }).map((units) => String.fromCharCode(...units)), (s) => {
        const storable = !s.includes('\u0000') && Buffer.from(s, 'utf8').toString('utf8') === s;
        expect(textFault(s, 1_000) === undefined).toBe(storable);
      }),
    );
  });
});

describe('inputGuard', () => {
  it('names each bad field of a body, its keys included', () => {
    const p = run({ body: { a: [{ b: 'x\u0000' }], ['k\ud800']: 1, ok: 'fine' } });
    expect(p).toMatchObject({ status: 400, code: 'validation_failed' });
    expect(p?.errors?.map((e) => [e.field, e.code]).sort()).toEqual([
      ['a.0.b', 'nulCharacter'],
      ['body', 'unpairedSurrogate'],
    ]);
  });

  it('refuses JSON numbers beyond the exactly representable integers', () => {
    expect(run({ body: { made: 1e20, scrapped: Infinity, ok: 9_007_199_254_740_991, half: 0.5 } })?.errors?.map((e) => [e.field, e.code]).sort()).toEqual([
      ['made', 'numberOutOfRange'],
      ['scrapped', 'numberOutOfRange'],
    ]);
  });

  it('checks path segments and query parameters as decoded text', () => {
    expect(run({ originalUrl: '/admin/members/a%00b' })?.errors).toEqual([expect.objectContaining({ field: 'path', code: 'nulCharacter' })]);
    expect(run({ originalUrl: '/a/%ED%A0%80' })?.errors).toEqual([expect.objectContaining({ field: 'path', code: 'malformedEncoding' })]);
    expect(run({ originalUrl: '/a?q=x%00&ok=1' })?.errors).toEqual([expect.objectContaining({ field: 'q', code: 'nulCharacter' })]);
    expect(run({ originalUrl: `/a?q=${'x'.repeat(INPUT_LIMITS.maxUrlText + 1)}` })?.errors).toEqual([expect.objectContaining({ field: 'q', code: 'tooLong' })]);
    expect(run({ originalUrl: '/a/b%20c?q=Gr%C3%BC%C3%9Fe+mit+Leerzeichen&x' })).toBeUndefined();
  });

  it('refuses an Idempotency-Key that is not visible ASCII', () => {
    expect(run({ headers: { 'idempotency-key': 'k\u00e9' } })?.errors).toEqual([expect.objectContaining({ field: 'Idempotency-Key', code: 'invalidHeader' })]);
    expect(run({ headers: { 'idempotency-key': 'dep-1' } })).toBeUndefined();
  });

  it('bounds nesting depth without recursing itself', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(run({ body: deep })).toMatchObject({ status: 400, code: 'too_deeply_nested' });
    let ok: unknown = 'x';
    for (let i = 0; i < INPUT_LIMITS.maxDepth; i++) ok = { n: ok };
    expect(run({ body: ok })).toBeUndefined();
  });
});
