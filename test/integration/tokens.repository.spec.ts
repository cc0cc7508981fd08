/** TokensRepository against a real PostgreSQL: member and node tokens found by hash, issued, revoked. */
import { randomUUID } from 'node:crypto';
import { MembersRepository, NodesRepository, TokensRepository } from '@app/db';
import { useTestDataSource } from '../support/database';

const t = useTestDataSource();
const tokens = () => new TokensRepository(t.ds);
const hash = () => randomUUID().replace(/-/g, '').padEnd(64, '0');

describe('TokensRepository', () => {
  it('finds a member token with its member in one query; notes its use; revokes only the member’s own token', async () => {
    const members = new MembersRepository(t.ds);
    const ada = await members.create({ name: 'Ada', email: `ada-${randomUUID()}@example.org`, status: 'active' });
    const bo = await members.create({ name: 'Bo', email: `bo-${randomUUID()}@example.org`, status: 'active' });
    const h = hash();
    const issued = await tokens().issue('member', ada.id, 'phone', h);
    expect(issued).toMatchObject({ memberId: ada.id, name: 'phone', revokedAt: null, lastUsedAt: null });
    expect(await tokens().find('member', hash())).toBeNull();
    const found = await tokens().find('member', h);
    expect(found).toMatchObject({ tokenId: issued.id, revokedAt: null, lastUsedAt: null, holder: { id: ada.id, name: 'Ada', status: 'active' } });
    await tokens().markUsed(issued.id);
    expect((await tokens().find('member', h))?.lastUsedAt).toBeInstanceOf(Date);
    expect(await tokens().revoke('member', bo.id, issued.id)).toBe(false);
    expect(await tokens().revoke('member', ada.id, issued.id)).toBe(true);
    const revokedAt = (await tokens().find('member', h))?.revokedAt;
    expect(revokedAt).toBeInstanceOf(Date);
    expect(await tokens().revoke('member', ada.id, issued.id)).toBe(true); // harmless, and the first time stays
    expect((await tokens().find('member', h))?.revokedAt).toEqual(revokedAt);
    expect((await tokens().memberTokens(ada.id)).map((x) => x.id)).toEqual([issued.id]);
  });

  it('notes a member token’s use in its lookup: at most once a minute, never for a revoked token or a suspended member', async () => {
    const members = new MembersRepository(t.ds);
    const ada = await members.create({ name: 'Ada', email: `ada-${randomUUID()}@example.org`, status: 'active' });
    const cy = await members.create({ name: 'Cy', email: `cy-${randomUUID()}@example.org`, status: 'suspended' });
    const [h, r, s] = [hash(), hash(), hash()];
    const token = await tokens().issue('member', ada.id, 'phone', h);
    const revoked = await tokens().issue('member', ada.id, 'old', r);
    await tokens().revoke('member', ada.id, revoked.id);
    await tokens().issue('member', cy.id, 'phone', s);
    const lastUsed = async (hh: string) => ((await t.ds.query(`SELECT last_used_at FROM member_tokens WHERE token_hash = $1`, [hh])) as Array<{ last_used_at: Date | null }>)[0].last_used_at;
    // The first lookup answers the row as it was, and notes the use.
    expect((await tokens().find('member', h))?.lastUsedAt).toBeNull();
    const first = await lastUsed(h);
    expect(first).toBeInstanceOf(Date);
    // Within the minute: not again.
    await t.ds.query(`UPDATE member_tokens SET last_used_at = now() - interval '30 seconds' WHERE token_hash = $1`, [h]);
    const halfMinute = await lastUsed(h);
    await tokens().find('member', h);
    expect(await lastUsed(h)).toEqual(halfMinute);
    // After it: noted again.
    await t.ds.query(`UPDATE member_tokens SET last_used_at = now() - interval '2 minutes' WHERE token_hash = $1`, [h]);
    const twoMinutes = await lastUsed(h);
    await tokens().find('member', h);
    expect((await lastUsed(h))!.getTime()).toBeGreaterThan(twoMinutes!.getTime());
    expect(token.id).toBe((await tokens().find('member', h))?.tokenId);
    // Refused tokens are found (the guard answers 401 or 403), but their use is not noted.
    expect(await tokens().find('member', r)).toMatchObject({ revokedAt: expect.any(Date) });
    expect(await tokens().find('member', s)).toMatchObject({ holder: { id: cy.id, status: 'suspended' } });
    expect(await lastUsed(r)).toBeNull();
    expect(await lastUsed(s)).toBeNull();
  });

  it('finds a node token with its node; a node token is no member token', async () => {
    const owner = await new MembersRepository(t.ds).create({ name: 'Owner', email: `o-${randomUUID()}@example.org`, status: 'active' });
    const node = await new NodesRepository(t.ds).create({ name: 'Shop', ownerMemberId: owner.id, locationId: null, automationLevel: 'automated', capabilities: [], webhookUrl: 'https://x.example', webhookSecret: 'whsec_x' });
    const h = hash();
    const issued = await tokens().issue('node', node.id, 'server', h);
    expect(await tokens().find('node', h)).toMatchObject({ tokenId: issued.id, lastUsedAt: null, holder: { id: node.id, name: 'Shop' } });
    expect(await tokens().find('member', h)).toBeNull();
    expect(await tokens().revoke('node', node.id, issued.id)).toBe(true);
    expect((await tokens().find('node', h))?.revokedAt).toBeInstanceOf(Date);
  });
});
