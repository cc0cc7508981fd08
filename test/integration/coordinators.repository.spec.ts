/** CoordinatorsRepository and AuditRepository against a real PostgreSQL: accounts, personal tokens, and the audit trail's filters and pages. */
import { randomUUID } from 'node:crypto';
import { AuditRepository, CoordinatorsRepository, isUniqueViolation, NewAuditEvent } from '@app/db';
import { AppConfig } from '@app/config';
import { AuditPruner } from '../../apps/api/src/people/audit-pruner';
import { useTestDataSource } from '../support/database';

const t = useTestDataSource();
const repo = () => new CoordinatorsRepository(t.ds);
const hash = () => randomUUID().replace(/-/g, '').padEnd(64, '0');

describe('CoordinatorsRepository', () => {
  it('invites with a lower-cased unique email; the first sign-in activates once; disabled accounts cannot sign in', async () => {
    const email = `Ada-${randomUUID()}@Example.org`;
    const ada = await repo().invite({ name: 'Ada', email, role: 'treasurer', invitedBy: 'bootstrap' });
    expect(ada).toMatchObject({ email: email.toLowerCase(), status: 'invited', activatedAt: null, role: 'treasurer' });
    const again = await repo()
      .invite({ name: 'Ada again', email: email.toUpperCase(), role: 'viewer', invitedBy: 'bootstrap' })
      .then(() => null, (err: unknown) => err);
    expect(isUniqueViolation(again)).toBe(true);
    expect((await repo().signableByEmail(` ${email.toUpperCase()} `))?.id).toBe(ada.id);
    const active = await repo().activate(ada.id);
    expect(active).toMatchObject({ status: 'active', activatedAt: expect.any(Date) });
    expect((await repo().activate(ada.id))?.activatedAt).toEqual(active?.activatedAt);
    const disabled = await repo().update(ada.id, { status: 'disabled' });
    expect(disabled?.status).toBe('disabled');
    expect(await repo().signableByEmail(email)).toBeNull();
    expect(await repo().activate(ada.id)).toMatchObject({ status: 'disabled' }); // a link never re-enables
    expect(await repo().update(randomUUID(), { role: 'viewer' })).toBeNull();
    expect((await repo().list()).some((c) => c.id === ada.id)).toBe(true);
  });

  it('finds a personal token with its coordinator; notes its use; revokes only the owner’s, keeping the first revocation', async () => {
    const bo = await repo().invite({ name: 'Bo', email: `bo-${randomUUID()}@example.org`, role: 'coordinator', invitedBy: 'bootstrap' });
    const cy = await repo().invite({ name: 'Cy', email: `cy-${randomUUID()}@example.org`, role: 'viewer', invitedBy: `coordinator:${bo.id}` });
    const h = hash();
    const issued = await repo().issueToken(bo.id, 'script', h);
    expect(await repo().findToken(hash())).toBeNull();
    expect(await repo().findToken(h)).toMatchObject({ tokenId: issued.id, revokedAt: null, lastUsedAt: null, coordinator: { id: bo.id, role: 'coordinator' } });
    await repo().markTokenUsed(issued.id);
    expect((await repo().findToken(h))?.lastUsedAt).toBeInstanceOf(Date);
    expect(await repo().liveTokenCount(bo.id)).toBe(1);
    expect(await repo().revokeToken(cy.id, issued.id)).toBeNull();
    const revoked = await repo().revokeToken(bo.id, issued.id);
    expect(revoked?.revokedAt).toBeInstanceOf(Date);
    expect((await repo().revokeToken(bo.id, issued.id))?.revokedAt).toEqual(revoked?.revokedAt);
    expect(await repo().liveTokenCount(bo.id)).toBe(0);
    await repo().issueToken(bo.id, 'second', hash());
    expect((await repo().listTokens(bo.id)).map((x) => x.name)).toEqual(['second', 'script']);
  });
});

describe('AuditRepository', () => {
  const audit = () => new AuditRepository(t.ds);
  const base = new Date('2026-05-01T12:00:00Z').getTime();
  const event = (i: number, e: Partial<NewAuditEvent>): NewAuditEvent => ({
    occurredAt: new Date(base + i * 1000),
    actorType: 'anonymous',
    actorId: null,
    actorName: null,
    via: null,
    method: 'POST',
    route: '/admin/projects',
    params: {},
    resources: [],
    status: 201,
    code: null,
    requestId: `req-${i}`,
    ...e,
  });

  it('filters by actor, route prefix, resource, outcome and time, newest first, and pages without gaps or repeats', async () => {
    const carl = randomUUID();
    const round = randomUUID();
    const scope = `/t${randomUUID().slice(0, 8)}`; // this test's own routes, whatever else the database holds
    const rows: NewAuditEvent[] = [
      event(0, { actorType: 'bootstrap', route: `${scope}/admin/coordinators` }),
      event(1, { actorType: 'coordinator', actorId: carl, actorName: 'Carl', route: `${scope}/admin/rounds/:id/payout/approve`, params: { id: round }, resources: [round], status: 403, code: 'forbidden_role' }),
      event(2, { actorType: 'member', actorId: randomUUID(), route: `${scope}/members/me/rounds/:id/pledge`, params: { id: round }, resources: [round], status: 200 }),
      event(3, { actorType: 'coordinator', actorId: carl, actorName: 'Carl', route: `${scope}/admin/projects` }),
      event(4, { actorType: 'coordinator', actorId: carl, actorName: 'Carl', route: `${scope}/admin/rounds/:id/cancel`, params: { id: round }, resources: [round] }),
      // Two at the same instant: the id breaks the tie, so a page boundary between them loses neither.
      event(5, { route: `${scope}/session/coordinator`, status: 400, code: 'link_invalid' }),
      event(5, { route: `${scope}/session/coordinator/sign-in-links`, status: 202 }),
    ];
    // One at a time and in a batch (the API writes the trail in batches): the same rows.
    for (const r of rows.slice(0, 2)) await audit().record(r);
    await audit().recordMany(rows.slice(2));
    const routes = (items: Array<{ route: string }>) => items.map((e) => e.route.slice(scope.length));

    const mine = await audit().list({ routePrefix: scope, limit: 50 });
    expect(mine.items).toHaveLength(7);
    const pledge = mine.items.find((e) => e.requestId === 'req-2' && e.route.endsWith('/pledge'));
    expect(pledge).toEqual(expect.objectContaining({ actorType: 'member', params: { id: round }, resources: [round], status: 200, code: null, via: rows[2].via, actorName: rows[2].actorName }));
    expect(mine.more).toBe(false);
    expect(mine.items.map((e) => e.occurredAt.getTime())).toEqual([...mine.items.map((e) => e.occurredAt.getTime())].sort((a, b) => b - a));
    expect(routes((await audit().list({ routePrefix: scope, actorType: 'coordinator', actorId: carl, limit: 50 })).items)).toEqual(['/admin/rounds/:id/cancel', '/admin/projects', '/admin/rounds/:id/payout/approve']);
    expect(routes((await audit().list({ routePrefix: `${scope}/admin/rounds`, limit: 50 })).items)).toEqual(['/admin/rounds/:id/cancel', '/admin/rounds/:id/payout/approve']);
    expect(routes((await audit().list({ resource: round, limit: 50 })).items)).toEqual(['/admin/rounds/:id/cancel', '/members/me/rounds/:id/pledge', '/admin/rounds/:id/payout/approve']);
    expect((await audit().list({ routePrefix: scope, outcome: 'refused', limit: 50 })).items.map((e) => e.code).sort()).toEqual(['forbidden_role', 'link_invalid']);
    expect((await audit().list({ routePrefix: scope, from: new Date(base + 1000), to: new Date(base + 3000), limit: 50 })).items.map((e) => e.requestId)).toEqual(['req-2', 'req-1']);
    // LIKE's wildcards in a route filter are taken literally.
    expect((await audit().list({ routePrefix: `${scope}/admin/%`, limit: 50 })).items).toEqual([]);

    const paged: string[] = [];
    let before: { occurredAt: Date; id: string } | undefined;
    for (;;) {
      const page = await audit().list({ routePrefix: scope, before, limit: 2 });
      paged.push(...page.items.map((e) => e.id));
      if (!page.more) break;
      const last = page.items[page.items.length - 1];
      before = { occurredAt: last.occurredAt, id: last.id };
    }
    expect(paged).toEqual(mine.items.map((e) => e.id));
  });

  it('prunes rows older than the retention in bounded batches, oldest first, and keeps the rest', async () => {
    const at = (iso: string, i: number) => new Date(Date.parse(iso) + i * 1000);
    const old = Array.from({ length: 12 }, (_, i) => event(i, { occurredAt: at('2001-01-01T00:00:00Z', i), route: '/prune/old' }));
    const kept = Array.from({ length: 3 }, (_, i) => event(i, { occurredAt: at('2003-01-01T00:00:00Z', i), route: '/prune/kept' }));
    await audit().recordMany([...old, ...kept]);
    const count = async (route: string) => Number((await t.ds.query(`SELECT count(*) FROM audit_events WHERE route = $1`, [route]))[0].count);
    const cutoff = new Date('2002-01-01T00:00:00Z');
    expect(await audit().pruneBefore(cutoff, 5)).toBe(5);
    // Oldest first: the five earliest went.
    const left = await t.ds.query(`SELECT min(occurred_at) AS first FROM audit_events WHERE route = '/prune/old'`);
    expect(new Date(left[0].first).toISOString()).toBe('2001-01-01T00:00:05.000Z');
    expect([await audit().pruneBefore(cutoff, 5), await audit().pruneBefore(cutoff, 5), await audit().pruneBefore(cutoff, 5)]).toEqual([5, 2, 0]);
    expect([await count('/prune/old'), await count('/prune/kept')]).toEqual([0, 3]);

    // The API's pruner: AUDIT_RETENTION_DAYS back from now; 0 would keep everything (it never starts).
    const pruner = new AuditPruner(audit(), { auditRetentionDays: 365 } as AppConfig);
    expect(await pruner.prune(new Date('2003-06-01T00:00:00Z'))).toBe(0);
    expect(await count('/prune/kept')).toBe(3);
    expect(await pruner.prune(new Date('2004-06-01T00:00:00Z'))).toBe(3);
    expect(await count('/prune/kept')).toBe(0);
    await pruner.onApplicationShutdown();
  });
});
