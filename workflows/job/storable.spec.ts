import fc from 'fast-check';
import { makeStorable, storableText } from './storable';

describe('storableText', () => {
  it('drops NUL and replaces unpaired surrogates, keeping everything else', () => {
    expect(storableText('no\u0000pe')).toBe('nope');
    expect(storableText('a\uD800b')).toBe('a\uFFFDb');
    expect(storableText('a\uDC00b')).toBe('a\uFFFDb');
    expect(storableText('tomato 🍅 ok')).toBe('tomato 🍅 ok');
  });

  it('leaves nothing PostgreSQL refuses, and changes nothing it accepts', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        const out = storableText(s);
        expect(out).not.toContain('\u0000');
        expect(Buffer.from(out, 'utf8').toString('utf8')).toBe(out); // valid UTF-16 → round-trips through UTF-8
        if (!s.includes('\u0000') && Buffer.from(s, 'utf8').toString('utf8') === s) expect(out).toBe(s);
      }),
    );
  });

  it('cleans every string of a JSON value in place', () => {
    const v = { offers: [{ reason: 'x\u0000' }, { reason: 'fine' }], note: null, n: 3 };
    expect(makeStorable(v)).toBe(1);
    expect(v).toEqual({ offers: [{ reason: 'x' }, { reason: 'fine' }], note: null, n: 3 });
  });
});
