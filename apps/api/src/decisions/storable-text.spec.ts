import { unstorableText } from './storable-text';

describe('unstorableText', () => {
  it('refuses what PostgreSQL cannot store in text: NUL and half of a surrogate pair', () => {
    for (const bad of ['a\u0000b', '\u0000', 'lone \ud800 high', 'lone \udc00 low', 'end \ud83d']) expect(unstorableText(bad)).toBe(true);
  });

  it('takes any other text, whole surrogate pairs (emoji) included', () => {
    for (const ok of ['', 'Go ahead', 'Grüße 🌱 from the greenhouse', 'tab\tand\nnewline', '\ufffd']) expect(unstorableText(ok)).toBe(false);
  });
});
