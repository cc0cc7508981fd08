/** RequestKeysRepository against a real PostgreSQL: the first claim of a key wins, even when claims race. */
import { RequestKeysRepository } from '@app/db';
import { useTestDataSource } from '../support/database';

const t = useTestDataSource();

describe('RequestKeysRepository', () => {
  it('racing claims of one key all see the first claim; the answer is kept for retries', async () => {
    const keys = new RequestKeysRepository(t.ds);
    const claims = await Promise.all(['a', 'b', 'c', 'd'].map((h) => keys.claim('key-1', 'project-advance:p1', h.repeat(64))));
    expect(new Set(claims.map((c) => c.requestHash)).size).toBe(1);
    expect(claims[0]).toMatchObject({ scope: 'project-advance:p1', responseStatus: null });
    await keys.answer('key-1', 409, { code: 'phase_running', detail: 'it runs' });
    expect(await keys.claim('key-1', 'project-advance:p1', 'z'.repeat(64))).toMatchObject({ requestHash: claims[0].requestHash, responseStatus: 409, responseBody: { code: 'phase_running' } });
  });
});
