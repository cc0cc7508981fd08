/**
 * ConsolePagesRepository (the console's further reads) against a real PostgreSQL: a round's
 * backers by name, the latest pledge first; an asset's owners, ownership trail, movements and quarters summed
 * per product; an account's statement with its running balance, paged newest first and read in
 * chunks oldest first; members found by name; locations with their nodes; decisions with who has
 * answered (never what); the mail outbox.
 */
import { randomUUID } from 'node:crypto';
import { ConsolePagesRepository, FundingRepository, insertRoundRow, LedgerService } from '@app/db';
import { useTestDataSource } from '../support/database';

const t = useTestDataSource();
const repo = () => new ConsolePagesRepository(t.ds);
const page = (limit: number, offset = 0) => ({ limit, offset });

async function member(name: string): Promise<string> {
  const [{ id }] = (await t.ds.query(`INSERT INTO members (name, email) VALUES ($1, $2) RETURNING id`, [name, `${randomUUID()}@t.example`])) as Array<{ id: string }>;
  return id;
}
async function project(name: string): Promise<string> {
  const id = randomUUID();
  await t.ds.query(`INSERT INTO production_projects (id, name, phase, status, workflow_id, created_by) VALUES ($1, $2, 'rnd', 'active', $3, 't')`, [id, name, `project-${id}`]);
  return id;
}

describe('ConsolePagesRepository', () => {
  it('a round’s backers: names and amounts, the latest pledge first (not moved by the settlement), a page at a time; a withdrawn pledge is not a backer', async () => {
    const ledger = new LedgerService(t.ds);
    const funding = new FundingRepository(t.ds, ledger);
    const roundId = randomUUID();
    await insertRoundRow(t.ds, {
      id: roundId,
      projectId: await project('Seed rack'),
      assetId: null,
      goal: '1000000',
      currency: 'EUR',
      minPledge: '100',
      deadline: new Date(Date.now() + 3_600_000),
      closeWhenGoalMet: false,
      payoutApproval: 'coordinator',
      operator: null,
      documents: [],
      createdBy: 't',
    });
    await t.ds.query(`UPDATE funding_rounds SET status = 'open' WHERE id = $1`, [roundId]);
    const names = ['Ada', 'Ben', 'Cleo', 'Dev'];
    const ids: string[] = [];
    const ext = await ledger.account('external', null, 'EUR');
    for (const n of names) {
      const id = await member(n);
      ids.push(id);
      const wallet = await ledger.account('member', id, 'EUR');
      await ledger.post({ idempotencyKey: `seed-${id}`, kind: 'deposit', currency: 'EUR', entries: [{ accountId: ext.id, amount: -50_000n }, { accountId: wallet.id, amount: 50_000n }] });
    }
    // One after the other, so that the order of changes is known: Ada, Ben, Cleo, Dev, then Ben raises and Dev withdraws.
    for (const [i, amount] of [1000n, 2000n, 3000n, 4000n].entries()) await funding.setPledge(roundId, ids[i], amount);
    await funding.setPledge(roundId, ids[1], 2500n);
    await funding.setPledge(roundId, ids[3], 0n);

    const first = await repo().backers(roundId, page(2));
    expect(first.total).toBe(3);
    expect(first.rows.map((r) => [r.name, r.amount])).toEqual([
      ['Ben', 2500n],
      ['Cleo', 3000n],
    ]);
    expect((await repo().backers(roundId, page(2, 2))).rows.map((r) => [r.name, r.amount, r.captured, r.returned])).toEqual([['Ada', 1000n, 0n, false]]);
    expect(await repo().backers(randomUUID(), page(10))).toEqual({ rows: [], total: 0 });
    // Settling the round touches every row at once: the order stays the members' own.
    await t.ds.query(`UPDATE funding_pledges SET captured_amount = amount, captured_at = now(), updated_at = now() WHERE round_id = $1`, [roundId]);
    expect((await repo().backers(roundId, page(10))).rows.map((r) => [r.name, r.captured])).toEqual([
      ['Ben', 2500n],
      ['Cleo', 3000n],
      ['Ada', 1000n],
    ]);
  });

  it('an asset: owners by name largest first, the ownership trail and movements newest first, and its quarters summed per product', async () => {
    const [ada, ben, cleo] = [await member('Ada'), await member('Ben'), await member('Cleo')];
    const [{ id: yard }] = (await t.ds.query(`INSERT INTO locations (name, kind, address) VALUES ('Lindenau yard', 'industrial-park', 'Hafen 1') RETURNING id`)) as Array<{ id: string }>;
    const [{ id: node }] = (await t.ds.query(
      `INSERT INTO nodes (name, owner_member_id, location_id, automation_level, webhook_url, webhook_secret) VALUES ('Greenhouse node', $1, $2, 'automated', 'https://n.example/h', 's') RETURNING id`,
      [ada, yard],
    )) as Array<{ id: string }>;
    const catalogue = [{ id: 'tomatoes', name: 'Tomatoes', unit: 'crate', capacityPerUnit: 1, leadTimeDays: 90, capability: 'greenhouse' }];
    const [{ id: asset }] = (await t.ds.query(
      `INSERT INTO assets (name, kind, identifier, node_id, portable, total_parts, output_catalogue, quarterly_capacity, capacity_unit)
       VALUES ('Greenhouse A', 'greenhouse', $1, $2, true, 1000, $3, 100, 'm2') RETURNING id`,
      [`GH-${randomUUID()}`, node, JSON.stringify(catalogue)],
    )) as Array<{ id: string }>;
    await t.ds.query(`INSERT INTO asset_shares (asset_id, member_id, parts, output_parts) VALUES ($1, $2, 500, 600), ($1, $3, 300, 300), ($1, $4, 200, 100)`, [asset, ada, ben, cleo]);
    const transfer = async (from: string, to: string, parts: number, at: string, status = 'done') =>
      t.ds.query(
        `INSERT INTO share_transfers (idempotency_key, request_hash, asset_id, from_member_id, to_member_id, parts, output_parts, price, currency, status, created_at)
         VALUES ($1, repeat('0', 64), $2, $3, $4, $5, $5, 12500, 'EUR', $6, $7)`,
        [randomUUID(), asset, from, to, parts, status, at],
      );
    await transfer(ada, ben, 100, '2030-01-01T00:00:00Z');
    await transfer(ben, cleo, 50, '2030-02-01T00:00:00Z');
    await transfer(ben, cleo, 999, '2030-03-01T00:00:00Z', 'rejected'); // refused: not part of the trail
    await t.ds.query(`INSERT INTO asset_movements (asset_id, location_id, place, moved_at) VALUES ($1, $2, NULL, '2030-01-01T00:00:00Z'), ($1, NULL, 'on the truck to Halle', '2030-02-01T00:00:00Z')`, [asset, yard]);
    // A planned quarter (its plan's lines) and an open one (orders placed so far, one owner has not ordered).
    const plan = {
      quarter: '2030-Q1',
      capacity: 100,
      spare: 10,
      capacityByOwner: {},
      lines: [
        { memberId: ada, productId: 'tomatoes', requested: 60, granted: 50 },
        { memberId: ben, productId: 'tomatoes', requested: 40, granted: 40 },
      ],
    };
    const quarter = (q: string, status: string, p: unknown) =>
      t.ds.query(
        `INSERT INTO output_plans (asset_id, quarter, status, window_opens_at, window_closes_at, starts_at, plan, orders_in, capacity, catalogue)
         VALUES ($1, $2, $3, '2029-12-01T00:00:00Z', '2029-12-15T00:00:00Z', '2030-01-01T00:00:00Z', $4, 'database', 100, $5)`,
        [asset, q, status, p === null ? null : JSON.stringify(p), JSON.stringify(catalogue)],
      );
    await quarter('2030-Q1', 'planned', plan);
    await quarter('2030-Q2', 'open', null);
    await t.ds.query(
      `INSERT INTO output_orders (asset_id, quarter, member_id, weight, lines) VALUES ($1, '2030-Q2', $2, 600, $5), ($1, '2030-Q2', $3, 300, $6), ($1, '2030-Q2', $4, 100, NULL)`,
      [asset, ada, ben, cleo, JSON.stringify([{ productId: 'tomatoes', quantity: 30 }]), JSON.stringify([{ productId: 'tomatoes', quantity: 12 }])],
    );

    const a = await repo().asset(asset);
    expect(a).toMatchObject({ name: 'Greenhouse A', nodeName: 'Greenhouse node', owners: 3, lastPlace: 'on the truck to Halle', totalParts: 1000n, quarterlyCapacity: 100 });
    expect(await repo().asset(randomUUID())).toBeNull();
    const listed = await repo().assets(page(100));
    expect(listed.rows.find((r) => r.id === asset)).toMatchObject({ owners: 3 });

    const owners = await repo().owners(asset, page(2));
    expect(owners).toMatchObject({ total: 3, ownedParts: 1000n });
    expect(owners.rows.map((o) => [o.name, o.parts, o.outputParts])).toEqual([
      ['Ada', 500n, 600n],
      ['Ben', 300n, 300n],
    ]);
    expect((await repo().owners(asset, page(2, 2))).rows.map((o) => o.name)).toEqual(['Cleo']);

    const trail = await repo().transfers(asset, page(10));
    expect(trail.total).toBe(2);
    expect(trail.rows.map((x) => [x.fromName, x.toName, x.parts, x.price])).toEqual([
      ['Ben', 'Cleo', 50n, 12500n],
      ['Ada', 'Ben', 100n, 12500n],
    ]);
    expect((await repo().movements(asset, page(10))).rows.map((m) => [m.locationName, m.place])).toEqual([
      [null, 'on the truck to Halle'],
      ['Lindenau yard', null],
    ]);

    const [q2, q1] = await repo().quarters(asset, 8);
    expect(q1).toMatchObject({ quarter: '2030-Q1', status: 'planned', capacity: 100, spare: 10, products: [{ productId: 'tomatoes', requested: 100, granted: 90 }] });
    expect(q2).toMatchObject({ quarter: '2030-Q2', status: 'open', owners: 3, ordered: 2, spare: null, products: [{ productId: 'tomatoes', requested: 42, granted: null }] });
    expect(await repo().quarters(asset, 1)).toHaveLength(1);
  });

  it('an account’s statement: the other side by name, the running balance, newest first in pages; in chunks oldest first the same entries', async () => {
    const ledger = new LedgerService(t.ds);
    const [ada, ben] = [await member('Ada Statement'), await member('Ben Statement')];
    const ext = await ledger.account('external', null, 'EUR');
    const [wa, wb] = [await ledger.account('member', ada, 'EUR'), await ledger.account('member', ben, 'EUR')];
    const amounts = [10_000n, -2_500n, 700n, -1_200n, 3_000n];
    for (const [i, x] of amounts.entries()) {
      // Deposits and withdrawals with the outside world, and one transfer to Ben.
      const other = i === 3 ? wb.id : ext.id;
      await ledger.post({ idempotencyKey: `st-${ada}-${i}`, kind: i === 3 ? 'transfer' : x > 0n ? 'deposit' : 'withdrawal', currency: 'EUR', memo: `#${i}`, entries: [{ accountId: wa.id, amount: x }, { accountId: other, amount: -x }] });
    }
    const account = await repo().account(wa.id);
    expect(account).toMatchObject({ kind: 'member', ownerName: 'Ada Statement', balance: 10_000n });
    expect(await repo().account(randomUUID())).toBeNull();

    const p1 = await repo().statement(wa.id, page(2));
    expect(p1.total).toBe(5);
    expect(p1.rows.map((r) => [r.memo, r.amount, r.balanceAfter, r.counterparty])).toEqual([
      ['#4', 3_000n, 10_000n, 'Outside the network'],
      ['#3', -1_200n, 7_000n, 'Ben Statement'],
    ]);
    const p3 = await repo().statement(wa.id, page(2, 4));
    expect(p3.rows.map((r) => [r.memo, r.balanceAfter])).toEqual([['#0', 10_000n]]);

    // Chunks of two, oldest first, each after the last one: every entry once, and they sum to the balance.
    const seen: string[] = [];
    let sum = 0n;
    let after: string | null = null;
    for (let i = 0; i < 10; i++) {
      const chunk = await repo().statementChunk(wa.id, after, 2);
      if (!chunk.length) break;
      for (const r of chunk) {
        seen.push(r.memo!);
        sum += r.amount;
      }
      expect(chunk.length).toBeLessThanOrEqual(2);
      after = chunk.at(-1)!.cursor;
    }
    expect(seen).toEqual(['#0', '#1', '#2', '#3', '#4']);
    expect(sum).toBe(account!.balance);
    // From Ben's side, the transfer's other side is Ada.
    expect((await repo().statement(wb.id, page(5))).rows.map((r) => [r.counterparty, r.amount])).toEqual([['Ada Statement', 1_200n]]);
  });

  it('members by name or email (a % is a character, not a wildcard), with their nodes and assets; locations with their nodes', async () => {
    const zed = await member('Zed 100% Organic');
    await member('Zed Other');
    const [{ id: lab }] = (await t.ds.query(`INSERT INTO locations (name, kind, address) VALUES ('Zz fab lab', 'fab-lab', 'Street 3') RETURNING id`)) as Array<{ id: string }>;
    await t.ds.query(`INSERT INTO nodes (name, owner_member_id, location_id, automation_level, webhook_url, webhook_secret) VALUES ('Zed’s press', $1, $2, 'manual', 'https://n.example/h', 's')`, [zed, lab]);
    const found = await repo().members({ q: '100%' }, page(10));
    expect(found.total).toBe(1);
    expect(found.rows[0]).toMatchObject({ id: zed, name: 'Zed 100% Organic', nodes: 1, assets: 0 });
    expect((await repo().members({ q: 'zed' }, page(10))).total).toBe(2);
    const all = await repo().members({}, page(1, 0));
    expect(all.rows).toHaveLength(1);
    expect(all.total).toBeGreaterThanOrEqual(2);
    const locations = await repo().locations(page(100));
    expect(locations.rows.find((l) => l.id === lab)).toMatchObject({ name: 'Zz fab lab', nodes: 1, nodeNames: ['Zed’s press'] });
  });

  it('decisions with how many answered; who answered and who has not, never what; the outbox without bodies', async () => {
    const [ada, ben, cleo] = [await member('Ada Voter'), await member('Ben Voter'), await member('Cleo Voter')];
    const decision = async (title: string, status: string, deadline: string): Promise<string> => {
      const id: string = randomUUID();
      await t.ds.query(
        `INSERT INTO decisions (id, workflow_id, kind, subject_type, subject_id, title, question, context, options, rule, deadline, status, requested_by, answers_in)
         VALUES ($1, $2, 'phase-gate', 'project', $1, $3, 'Go on?', '[]', '[]', '{"kind":"majority"}', $4, $5, 't', 'database')`,
        [id, `decision-${id}`, title, deadline, status],
      );
      return id;
    };
    const later = await decision('Later gate', 'open', '2040-02-01T00:00:00Z');
    const sooner = await decision('Sooner gate', 'open', '2040-01-01T00:00:00Z');
    const done = await decision('Done gate', 'decided', '2020-01-01T00:00:00Z');
    await t.ds.query(
      `INSERT INTO decision_voters (decision_id, member_id, option_id, comment, via, answered_at) VALUES ($1, $2, 'approve', 'secret reasons', 'link', now()), ($1, $3, NULL, NULL, NULL, NULL), ($1, $4, NULL, NULL, NULL, NULL)`,
      [sooner, ada, ben, cleo],
    );
    const list = await repo().decisions({}, page(100));
    const mine = list.rows.filter((d) => [later, sooner, done].includes(d.id));
    expect(mine.map((d) => [d.title, d.asked, d.answered])).toEqual([
      ['Sooner gate', 3, 1],
      ['Later gate', 0, 0],
      ['Done gate', 0, 0],
    ]);
    expect((await repo().decisions({ status: 'decided' }, page(100))).rows.map((d) => d.id)).toEqual([done]);

    const voters = await repo().voters(sooner, {}, page(10));
    expect(voters.total).toBe(3);
    // Still to answer first, by name.
    expect(voters.rows.map((v) => [v.name, v.answered])).toEqual([
      ['Ben Voter', false],
      ['Cleo Voter', false],
      ['Ada Voter', true],
    ]);
    expect(JSON.stringify(voters)).not.toMatch(/approve|secret reasons/);
    expect(Object.keys(voters.rows[0]).sort()).toEqual(['answered', 'answeredAt', 'memberId', 'name']);
    expect((await repo().voters(sooner, { answered: true }, page(10))).rows.map((v) => v.name)).toEqual(['Ada Voter']);
    expect((await repo().voters(sooner, { answered: false }, page(1, 1))).rows.map((v) => v.name)).toEqual(['Cleo Voter']);

    await t.ds.query(
      `INSERT INTO mail_outbox (key, recipient, subject, status, message_id, body_text, created_at, sent_at) VALUES
        ('a', 'ada@t.example', 'Your sign-in link for DPN', 'sent', 'm1', 'https://x.example/#link=SECRET', '2030-01-01T00:00:00Z', '2030-01-01T00:00:01Z'),
        ('b', 'ben@t.example', 'Vote: Sooner gate', 'queued', 'm2', 'body', '2030-01-02T00:00:00Z', NULL)`,
    );
    const mail = await repo().outbox({}, page(10));
    expect(mail.rows.map((m) => [m.recipient, m.status])).toEqual([
      ['ben@t.example', 'queued'],
      ['ada@t.example', 'sent'],
    ]);
    expect(JSON.stringify(mail)).not.toContain('SECRET');
    expect(mail.byStatus).toEqual([
      { status: 'queued', count: 1 },
      { status: 'sent', count: 1 },
    ]);
    expect((await repo().outbox({ status: 'sent' }, page(10))).rows.map((m) => m.subject)).toEqual(['Your sign-in link for DPN']);
  });

  it('levels over time: the database records each node joining and each change of level (no other update), week by week', async () => {
    const owner = await member('Level Owner');
    const node = async (name: string, level: string): Promise<string> => {
      const [{ id }] = (await t.ds.query(`INSERT INTO nodes (name, owner_member_id, automation_level, webhook_url, webhook_secret) VALUES ($1, $2, $3, 'https://n.example/h', 's') RETURNING id`, [
        name,
        owner,
        level,
      ])) as Array<{ id: string }>;
      return id;
    };
    const before = await repo().levelHistory(4);
    const [shop, lab] = [await node('Level shop', 'manual'), await node('Level lab', 'conventional')];
    // Both joined three weeks ago (as recorded); the shop was raised today, and suspended (not a level change).
    await t.ds.query(`UPDATE node_level_changes SET changed_at = now() - interval '21 days' WHERE node_id = ANY($1::uuid[])`, [[shop, lab]]);
    await t.ds.query(`UPDATE nodes SET automation_level = 'automated', status = 'suspended' WHERE id = $1`, [shop]);
    await t.ds.query(`UPDATE nodes SET status = 'active', name = 'Level shop 2' WHERE id = $1`, [shop]);
    const changes = (await t.ds.query(`SELECT from_level, to_level FROM node_level_changes WHERE node_id = $1 ORDER BY changed_at, id`, [shop])) as Array<{ from_level: string | null; to_level: string }>;
    expect(changes).toEqual([
      { from_level: null, to_level: 'manual' },
      { from_level: 'manual', to_level: 'automated' },
    ]);

    const h = await repo().levelHistory(4);
    expect(h.points).toHaveLength(4);
    expect(h.points.at(-1)!.at.getTime()).toBeLessThanOrEqual(Date.now());
    const count = (i: number, level: string) => h.points[i].levels.find((l) => l.level === level)!.count - before.points[i].levels.find((l) => l.level === level)!.count;
    expect(h.points[3].levels.map((l) => l.level)).toEqual(['manual', 'conventional', 'computer-aided', 'automated']);
    // A week or two ago: the shop was manual, the lab conventional; now the shop is automated.
    expect([count(1, 'manual'), count(1, 'conventional'), count(1, 'automated')]).toEqual([1, 1, 0]);
    expect([count(3, 'manual'), count(3, 'conventional'), count(3, 'automated')]).toEqual([0, 1, 1]);
    expect(h.since!.getTime()).toBeLessThanOrEqual(Date.now() - 20 * 86_400_000);
  });
});
