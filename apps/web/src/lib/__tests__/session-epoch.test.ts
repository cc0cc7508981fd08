import { describe, expect, it } from 'vitest';
import { sessionEpoch } from '../session-epoch';

/** A promise the test resolves by hand, to order answers the way a slow network can. */
function deferred<T>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe('sessionEpoch', () => {
  it('does not let a read sent before a sign-in, answered after it, put "nobody" back', async () => {
    const s = sessionEpoch();
    let server = 'nobody';
    let applied: string | null = null;
    const first = deferred<string>();
    let reads = 0;
    // The first read is on the wire when the sign-in answers; later reads see the new cookie.
    const read = s.read(
      () => (reads++ === 0 ? first.promise : Promise.resolve(server)),
      (a) => (applied = a),
    );
    await s.change(async () => ((server = 'olga'), 'olga'), (a) => (applied = a));
    expect(applied).toBe('olga');
    first.resolve('nobody');
    expect(await read).toBe('olga');
    expect(applied).toBe('olga');
    expect(reads).toBe(2);
  });

  it('applies a read that nothing overtook, once', async () => {
    const s = sessionEpoch();
    const seen: string[] = [];
    expect(await s.read(async () => 'olga', (a) => seen.push(a))).toBe('olga');
    expect(seen).toEqual(['olga']);
  });

  it('a failed sign-in moves nothing: reads in flight keep their answer', async () => {
    const s = sessionEpoch();
    const first = deferred<string>();
    let reads = 0;
    const read = s.read(() => (reads++, first.promise), () => undefined);
    await expect(s.change(() => Promise.reject(new Error('link_expired')), () => undefined)).rejects.toThrow('link_expired');
    first.resolve('nobody');
    expect(await read).toBe('nobody');
    expect(reads).toBe(1);
  });
});
