import { MemberEntity, type FoundToken } from '@app/db';
import { VerifiedTokens } from './verified-tokens';

const found = (id: string): FoundToken<'member'> => ({ tokenId: id, revokedAt: null, lastUsedAt: null, holder: Object.assign(new MemberEntity(), { id, status: 'active' }) });

describe('VerifiedTokens (member tokens believed for a few seconds)', () => {
  it('keeps a token until its time is up', () => {
    let now = 1_000;
    const c = new VerifiedTokens(5_000, 10, () => now);
    c.set('a', found('a'), c.current);
    now += 4_999;
    expect(c.get('a')?.tokenId).toBe('a');
    now += 1;
    expect(c.get('a')).toBeUndefined();
    expect(c.size).toBe(0);
  });

  it('keeps at most `max`, dropping the least recently used', () => {
    const c = new VerifiedTokens(5_000, 2, () => 0);
    c.set('a', found('a'), c.current);
    c.set('b', found('b'), c.current);
    expect(c.get('a')).toBeDefined(); // a is now the most recently used
    c.set('c', found('c'), c.current);
    expect(c.size).toBe(2);
    expect(c.get('b')).toBeUndefined();
    expect(c.get('a')).toBeDefined();
    expect(c.get('c')).toBeDefined();
  });

  it('forgets everything at once, and keeps nothing looked up before it forgot', () => {
    const c = new VerifiedTokens(5_000, 10, () => 0);
    c.set('a', found('a'), c.current);
    const before = c.current; // a lookup begins…
    c.forgetAll(); // …the member is suspended meanwhile…
    c.set('b', found('b'), before); // …and what it read is not kept
    expect(c.get('a')).toBeUndefined();
    expect(c.get('b')).toBeUndefined();
    c.set('b', found('b'), c.current);
    expect(c.get('b')).toBeDefined();
  });
});
