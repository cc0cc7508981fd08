/**
 * Production flows on the API side against a real PostgreSQL: recipes versioned by name and saved
 * once per Idempotency-Key; a flow written with its planned steps in one transaction (a bad plan
 * writes nothing); lead times learned from past jobs; hand-off answers under the row lock (only
 * the receiver, never more than was sent, the same answer again is a repeat, a different one is
 * refused, two racing answers: exactly one wins) with the lot's holder and status in the same
 * transaction; a lot traced backward and forward over a hand-built lot graph, each lot with its
 * hand-offs in order; late steps and legs without a carrier as a project's blockers.
 */
import { randomUUID } from 'node:crypto';
import type { Recipe } from '@app/contracts';
import { FlowsRepository, HandoffRefusal, HandoffsRepository, IdempotencyConflictError, LocationsRepository, LotsRepository, MembersRepository, NodesRepository, PickupPointsRepository, RecipesRepository } from '@app/db';
import { planFlow } from '@app/domain';
import { useTestDataSource } from '../support/database';

const t = useTestDataSource();
const HOUR = 3_600_000;

const recipe = (name = `shelf-${randomUUID().slice(0, 8)}`): Recipe => ({
  name,
  steps: [
    { key: 'cut', capability: 'cnc-milling', produces: { item: 'board', unit: 'pcs' }, inputs: [], scrapRate: 0.1, leadTimeHours: 24 },
    { key: 'finish', capability: 'woodworking', produces: { item: 'finished board', unit: 'pcs' }, inputs: [{ step: 'cut', perUnit: 1, unit: 'pcs' }], leadTimeHours: 12 },
    { key: 'assemble', capability: 'assembly', produces: { item: 'shelf', unit: 'shelves' }, inputs: [{ step: 'finish', perUnit: 4, unit: 'pcs' }], leadTimeHours: 8, flowType: 'pallet' },
  ],
});

const refusal = async (p: Promise<unknown>): Promise<HandoffRefusal> => {
  try {
    await p;
  } catch (err) {
    if (err instanceof HandoffRefusal) return err;
    throw err;
  }
  throw new Error('not refused');
};

let seq = 0;
const member = async (name: string) => (await new MembersRepository(t.ds).create({ name, email: `${name.toLowerCase()}-${seq++}-${randomUUID().slice(0, 6)}@example.org`, status: 'active' })).id;
const node = async (name: string, ownerMemberId: string, fn: string, extra: { flowTypes?: string[] } = {}) =>
  (
    await new NodesRepository(t.ds).create({
      name,
      ownerMemberId,
      locationId: null,
      automationLevel: 'manual',
      capabilities: [{ function: fn, capacity: 10, unit: 'parts/week' }],
      webhookUrl: 'https://node.example/hook',
      webhookSecret: 'whsec_x',
      ...extra,
    })
  ).id;

/** A flow as the API writes it (the plan from `planFlow`), for the rows the workflow would add by hand. */
const newFlow = async (r: Recipe, recipientId: string, demandId = randomUUID(), dueAt = new Date(Date.now() + 14 * 24 * HOUR)) => {
  const plan = planFlow(r, 10, dueAt, { transportDeclaredMs: 4 * HOUR });
  return new FlowsRepository(t.ds).create({ recipeId: null, recipe: r, demand: { type: 'project', id: demandId }, quantity: 10, unit: 'shelves', dueAt, recipient: { type: 'member', id: recipientId }, recipientLocationId: null, plan, createdBy: 'test', idempotencyKey: null });
};

const lot = async (flowId: string, stepKey: string, makerNodeId: string, quantity = 10, inputs: Array<{ lotId: string; quantity: number }> = []) => {
  const [row] = (await t.ds.query(
    `INSERT INTO lots (flow_id, step_key, item, unit, quantity, made_by_node_id, job_id, run, holder_type, holder_id) VALUES ($1, $2, $2, 'pcs', $3, $4, $5, 1, 'node', $4) RETURNING id`,
    [flowId, stepKey, quantity, makerNodeId, randomUUID()],
  )) as Array<{ id: string }>;
  for (const i of inputs) await t.ds.query(`INSERT INTO lot_inputs (lot_id, input_lot_id, quantity) VALUES ($1, $2, $3)`, [row.id, i.lotId, i.quantity]);
  return row.id;
};

const handoff = async (flowId: string, lotId: string, from: { type: string; id: string }, to: { type: string; id: string }, confirmer: string, sent = 10, legId: string | null = null) => {
  const [row] = (await t.ds.query(
    `INSERT INTO handoffs (flow_id, lot_id, leg_id, from_type, from_id, to_type, to_id, confirmer_member_id, quantity_sent) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
    [flowId, lotId, legId, from.type, from.id, to.type, to.id, confirmer, sent],
  )) as Array<{ id: string }>;
  return row.id;
};

const lotRow = async (id: string) => ((await t.ds.query(`SELECT status, holder_type, holder_id FROM lots WHERE id = $1`, [id])) as Array<{ status: string; holder_type: string; holder_id: string }>)[0];
const handoffRow = async (id: string) =>
  ((await t.ds.query(`SELECT status, quantity_received, answered_at, note, reason FROM handoffs WHERE id = $1`, [id])) as Array<{ status: string; quantity_received: number | null; answered_at: Date | null; note: string | null; reason: string | null }>)[0];

describe('recipes', () => {
  it('saving a name again makes its next version; one Idempotency-Key saves once, and refuses another recipe', async () => {
    const repo = new RecipesRepository(t.ds);
    const r = recipe();
    const v1 = await repo.create(r, 'ann', 'recipe-key-1');
    const again = await repo.create(r, 'ann', 'recipe-key-1');
    expect(again).toMatchObject({ replayed: true, recipe: { id: v1.recipe.id, version: 1 } });
    await expect(repo.create({ ...r, steps: r.steps.slice(0, 1) }, 'ann', 'recipe-key-1')).rejects.toBeInstanceOf(IdempotencyConflictError);
    // Racing saves of one name: each gets its own version, no duplicate.
    const racing = await Promise.all([repo.create(r, 'ann', null), repo.create(r, 'ben', null), repo.create(r, 'ann', null)]);
    expect(racing.map((x) => x.recipe.version).sort()).toEqual([2, 3, 4]);
    const list = await repo.list({ name: r.name, limit: 10, offset: 0 });
    expect(list.total).toBe(4);
    expect((await repo.find(v1.recipe.id))?.definition).toEqual(r);
  });
});

describe('flows', () => {
  it('writes the flow and one step per planned step in one transaction, in the recipe order, with the backward plan', async () => {
    const rita = await member('Rita');
    const r = recipe();
    const dueAt = new Date(Date.now() + 14 * 24 * HOUR);
    const { flow, workflowId } = await newFlow(r, rita, randomUUID(), dueAt);
    expect(workflowId).toBe(`flow-${flow.id}`);
    expect(flow).toMatchObject({ recipeName: r.name, quantity: 10, status: 'running', recipient: { type: 'member', id: rita }, legs: [], handoffs: [] });
    expect(flow.steps.map((s) => s.key)).toEqual(['cut', 'finish', 'assemble']);
    const [cut, finish, assemble] = flow.steps;
    // 10 shelves × 4 boards; cutting scraps 10 %: 40 good, 45 started.
    expect([assemble.goodQuantity, finish.goodQuantity, cut.goodQuantity, cut.startQuantity]).toEqual([10, 40, 40, 45]);
    expect(Date.parse(assemble.plannedDoneAt)).toBeLessThan(dueAt.getTime());
    expect(Date.parse(finish.plannedDoneAt)).toBeLessThanOrEqual(Date.parse(assemble.plannedStartAt));
    expect(Date.parse(cut.plannedDoneAt)).toBeLessThanOrEqual(Date.parse(finish.plannedStartAt));
    expect(cut).toMatchObject({ leadTimeMs: 24 * HOUR, leadTimeSource: 'declared', status: 'waiting', lateByMs: null });
    const [{ n }] = (await t.ds.query(`SELECT count(*)::int AS n FROM flow_steps WHERE flow_id = $1`, [flow.id])) as Array<{ n: number }>;
    expect(n).toBe(3);
  });

  it('a plan that does not fit the recipe writes nothing; an Idempotency-Key answers the first flow and refuses another request', async () => {
    const rita = await member('Rita');
    const repo = new FlowsRepository(t.ds);
    const r = recipe();
    const dueAt = new Date(Date.now() + 14 * 24 * HOUR);
    const plan = planFlow(r, 10, dueAt, { transportDeclaredMs: HOUR });
    const demand = randomUUID();
    const base = { recipeId: null, recipe: r, demand: { type: 'project' as const, id: demand }, quantity: 10, unit: 'shelves', dueAt, recipient: { type: 'member' as const, id: rita }, recipientLocationId: null, createdBy: 't' };
    // The last step row fails after the flow row and the first steps were inserted: all rolled back.
    await expect(repo.create({ ...base, plan: [...plan, { ...plan[0], key: 'ghost' }], idempotencyKey: 'flow-key-x' })).rejects.toThrow(/ghost/);
    expect((await repo.list({ demandType: 'project', demandId: demand, limit: 10, offset: 0 })).total).toBe(0);
    const first = await repo.create({ ...base, plan, idempotencyKey: 'flow-key-1' });
    const again = await repo.create({ ...base, plan, idempotencyKey: 'flow-key-1' });
    expect(again).toMatchObject({ replayed: true, flow: { id: first.flow.id } });
    await expect(repo.create({ ...base, quantity: 11, plan, idempotencyKey: 'flow-key-1' })).rejects.toBeInstanceOf(IdempotencyConflictError);
    const list = await repo.list({ demandType: 'project', demandId: demand, limit: 10, offset: 0 });
    expect(list).toMatchObject({ total: 1, items: [{ id: first.flow.id, steps: 3, stepsDone: 0, lateSteps: 0, openLegs: 0, pendingHandoffs: 0 }] });
  });

  it('learns lead times from the latest 20 completed jobs of a capability and the latest received legs of a flow type', async () => {
    const owner = await member('Owner');
    const shop = await node('Shop', owner, 'laser-cutting');
    const capability = `laser-${randomUUID().slice(0, 6)}`;
    // 22 jobs, offered → completed in (i + 1) hours; the latest 20 are i = 2..21.
    for (let i = 0; i < 22; i++) {
      const offered = new Date(Date.UTC(2026, 0, 1 + i));
      await t.ds.query(
        `INSERT INTO jobs (id, workflow_id, capability, quantity, unit, spec_url, due_at, recipient_type, recipient_id, demand_type, demand_id, created_by, status, node_id, first_offered_at, completed_at)
         VALUES ($1, $2, $3, 1, 'pcs', 'https://x.example/s', $4, 'member', $5, 'project', $6, 't', 'confirmed', $7, $4, $8)`,
        [randomUUID(), `job-${randomUUID()}`, capability, offered, owner, randomUUID(), shop, new Date(offered.getTime() + (i + 1) * HOUR)],
      );
    }
    // Legs of a flow type of its own: offered → received in 2, 3, 4 hours (the latest first); one not received yet.
    const flowType = `van-${randomUUID().slice(0, 6)}`;
    const { flow } = await newFlow(recipe(), owner);
    const l = await lot(flow.id, 'cut', shop);
    for (let i = 0; i < 4; i++) {
      const offered = new Date(Date.UTC(2026, 1, 1 + i));
      await t.ds.query(
        `INSERT INTO flow_legs (flow_id, from_step_key, lot_id, flow_type, from_node_id, to_type, to_id, quantity, status, offered_at, received_at)
         VALUES ($1, 'cut', $2, $3, $4, 'member', $5, 1, 'received', $6, $7)`,
        [flow.id, l, flowType, shop, randomUUID(), offered, i < 3 ? new Date(offered.getTime() + (i + 2) * HOUR) : null],
      );
    }
    const samples = await new FlowsRepository(t.ds).leadTimeSamples([capability, 'no-such-capability'], [flowType]);
    expect(samples.stepSamplesMs[capability]).toEqual(Array.from({ length: 20 }, (_, k) => (22 - k) * HOUR));
    expect(samples.stepSamplesMs['no-such-capability']).toBeUndefined();
    expect(samples.transportSamplesMs).toEqual({ [flowType]: [4 * HOUR, 3 * HOUR, 2 * HOUR] });
  });
});

describe('hand-off answers', () => {
  const setup = async () => {
    const [mo, co, rita, eve] = [await member('Mo'), await member('Co'), await member('Rita'), await member('Eve')];
    const [maker, carrier] = [await node('Maker', mo, 'cnc-milling'), await node('Carrier', co, 'transport', { flowTypes: ['crate'] })];
    const { flow } = await newFlow(recipe(), rita);
    const lotId = await lot(flow.id, 'cut', maker);
    return { mo, co, rita, eve, maker, carrier, flow, lotId };
  };

  it('only the receiver answers, never more than was sent (nothing written); accepting moves the lot; the same answer again is a repeat, another is refused', async () => {
    const s = await setup();
    const repo = new HandoffsRepository(t.ds);
    const [{ id: legId }] = (await t.ds.query(
      `INSERT INTO flow_legs (flow_id, from_step_key, to_step_key, lot_id, flow_type, from_node_id, to_type, to_id, quantity, status, carrier_node_id) VALUES ($1, 'cut', 'finish', $2, 'crate', $3, 'member', $4, 10, 'accepted', $5) RETURNING id`,
      [s.flow.id, s.lotId, s.maker, s.rita, s.carrier],
    )) as Array<{ id: string }>;
    const id = await handoff(s.flow.id, s.lotId, { type: 'node', id: s.maker }, { type: 'node', id: s.carrier }, s.co, 10, legId);

    // Not the receiver: another node, the maker's owner, a stranger.
    for (const by of [{ kind: 'node' as const, nodeId: s.maker }, { kind: 'member' as const, memberId: s.mo }, { kind: 'member' as const, memberId: s.eve }]) {
      expect((await refusal(repo.answer(id, by, { accepted: true }, 'x'))).code).toBe('not_receiver');
    }
    const more = await refusal(repo.answer(id, { kind: 'node', nodeId: s.carrier }, { accepted: true, quantityReceived: 11 }, 'x'));
    expect(more).toMatchObject({ code: 'more_than_sent', figures: { quantitySent: '10', quantityReceived: '11' } });
    expect(await handoffRow(id)).toMatchObject({ status: 'pending', quantity_received: null, answered_at: null });
    expect(await lotRow(s.lotId)).toMatchObject({ status: 'made', holder_type: 'node', holder_id: s.maker });

    // The carrier's owner answers for it (a member session or token): the carrier holds the lot, in transit.
    const first = await repo.answer(id, { kind: 'member', memberId: s.co }, { accepted: true, quantityReceived: 9, note: 'one cracked' }, 'member:co');
    expect(first).toMatchObject({ repeated: false, signalPending: true, workflowId: `flow-${s.flow.id}`, handoff: { status: 'accepted', quantitySent: 10, quantityReceived: 9, note: 'one cracked', from: { type: 'node', id: s.maker, name: 'Maker' }, to: { type: 'node', id: s.carrier, name: 'Carrier' } } });
    expect(await lotRow(s.lotId)).toMatchObject({ status: 'in-transit', holder_type: 'node', holder_id: s.carrier });
    const repeat = await repo.answer(id, { kind: 'node', nodeId: s.carrier }, { accepted: true, quantityReceived: 9 }, 'node:c');
    expect(repeat).toMatchObject({ repeated: true, signalPending: true, handoff: { quantityReceived: 9, note: 'one cracked' } });
    await repo.markSignalled(id);
    expect((await repo.answer(id, { kind: 'node', nodeId: s.carrier }, { accepted: true, quantityReceived: 9 }, 'node:c')).signalPending).toBe(false);
    expect(await refusal(repo.answer(id, { kind: 'node', nodeId: s.carrier }, { accepted: true, quantityReceived: 10 }, 'x'))).toMatchObject({ code: 'handoff_answered', figures: { answer: 'accepted', quantityReceived: '9' } });
    expect((await refusal(repo.answer(id, { kind: 'node', nodeId: s.carrier }, { accepted: false, reason: 'wet' }, 'x'))).code).toBe('handoff_answered');
    expect(await handoffRow(id)).toMatchObject({ status: 'accepted', quantity_received: 9, reason: null });

    // The lists each receiver sees.
    expect((await repo.listFor({ kind: 'node', nodeId: s.carrier }, { limit: 10, offset: 0 })).items.map((h) => h.id)).toEqual([id]);
    expect((await repo.listFor({ kind: 'member', memberId: s.co }, { status: 'pending', limit: 10, offset: 0 })).total).toBe(0);
    expect((await repo.listFor({ kind: 'member', memberId: s.mo }, { limit: 10, offset: 0 })).total).toBe(0);
  });

  it('a member accepting delivers the lot to them; a rejection marks the lot rejected and leaves its holder', async () => {
    const s = await setup();
    const repo = new HandoffsRepository(t.ds);
    const toRita = await handoff(s.flow.id, s.lotId, { type: 'node', id: s.maker }, { type: 'member', id: s.rita }, s.rita);
    await repo.answer(toRita, { kind: 'member', memberId: s.rita }, { accepted: true }, 'member:rita');
    expect(await lotRow(s.lotId)).toMatchObject({ status: 'delivered', holder_type: 'member', holder_id: s.rita });
    expect(await handoffRow(toRita)).toMatchObject({ quantity_received: 10 });

    const other = await lot(s.flow.id, 'cut', s.maker);
    const rejected = await handoff(s.flow.id, other, { type: 'node', id: s.maker }, { type: 'member', id: s.rita }, s.rita);
    const r = await repo.answer(rejected, { kind: 'member', memberId: s.rita }, { accepted: false, reason: 'warped' }, 'member:rita');
    expect(r.handoff).toMatchObject({ status: 'rejected', reason: 'warped', quantityReceived: null });
    expect(await lotRow(other)).toMatchObject({ status: 'rejected', holder_type: 'node', holder_id: s.maker });
    expect((await repo.answer(rejected, { kind: 'member', memberId: s.rita }, { accepted: false, reason: 'warped, really' }, 'member:rita')).repeated).toBe(true);
  });

  it('a pickup point’s keeper answers for it', async () => {
    const s = await setup();
    const kay = await member('Kay');
    const { id: locationId } = await new LocationsRepository(t.ds).create({ name: 'Market hall', kind: 'industrial-park', address: 'Hall 1' });
    const point = await new PickupPointsRepository(t.ds).create({ locationId, name: 'Hall desk', keeperMemberId: kay, days: ['tue', 'fri'], hours: '16-19' });
    const id = await handoff(s.flow.id, s.lotId, { type: 'node', id: s.maker }, { type: 'pickup', id: point.id }, kay);
    const repo = new HandoffsRepository(t.ds);
    expect((await refusal(repo.answer(id, { kind: 'member', memberId: s.rita }, { accepted: true }, 'x'))).code).toBe('not_receiver');
    expect((await repo.answer(id, { kind: 'member', memberId: kay }, { accepted: true }, 'member:kay')).handoff.to).toEqual({ type: 'pickup', id: point.id, name: 'Hall desk' });
    expect(await lotRow(s.lotId)).toMatchObject({ status: 'received', holder_type: 'pickup', holder_id: point.id });
  });

  it('two different answers racing: exactly one is recorded, the other is refused as answered', async () => {
    const s = await setup();
    const repo = new HandoffsRepository(t.ds);
    for (let round = 0; round < 5; round++) {
      const l = await lot(s.flow.id, 'cut', s.maker);
      const id = await handoff(s.flow.id, l, { type: 'node', id: s.maker }, { type: 'node', id: s.carrier }, s.co);
      const results = await Promise.allSettled([
        repo.answer(id, { kind: 'node', nodeId: s.carrier }, { accepted: true, quantityReceived: 10 }, 'node'),
        repo.answer(id, { kind: 'member', memberId: s.co }, { accepted: false, reason: 'damaged' }, 'member'),
        repo.answer(id, { kind: 'node', nodeId: s.carrier }, { accepted: true, quantityReceived: 7 }, 'node'),
      ]);
      const won = results.filter((x) => x.status === 'fulfilled');
      expect(won).toHaveLength(1);
      for (const x of results) if (x.status === 'rejected') expect((x.reason as HandoffRefusal).code).toBe('handoff_answered');
      const winner = (won[0] as PromiseFulfilledResult<Awaited<ReturnType<HandoffsRepository['answer']>>>).value.handoff;
      const row = await handoffRow(id);
      expect(row.status).toBe(winner.status);
      expect(row.quantity_received).toBe(winner.quantityReceived);
      expect((await lotRow(l)).status).toBe(winner.status === 'accepted' ? 'received' : 'rejected');
    }
  });
});

describe('lot trace', () => {
  it('follows lots backward to what they were made from and forward to what they went into, each with its hand-offs in order', async () => {
    const [mo, ao, rita] = [await member('Mo'), await member('Ao'), await member('Rita')];
    const [maker, assembler] = [await node('Maker', mo, 'cnc-milling'), await node('Assembler', ao, 'assembly')];
    const { flow } = await newFlow(recipe(), rita);
    //   legs1 ─┐
    //   legs2 ─┼─> frame ─> shelf
    //   top ───┘
    const legs1 = await lot(flow.id, 'cut', maker, 4);
    const legs2 = await lot(flow.id, 'cut', maker, 4);
    const top = await lot(flow.id, 'finish', maker, 1);
    const frame = await lot(flow.id, 'frame', assembler, 1, [
      { lotId: legs1, quantity: 4 },
      { lotId: legs2, quantity: 4 },
      { lotId: top, quantity: 1 },
    ]);
    const shelf = await lot(flow.id, 'assemble', assembler, 1, [{ lotId: frame, quantity: 1 }]);
    const h1 = await handoff(flow.id, legs1, { type: 'node', id: maker }, { type: 'node', id: assembler }, ao, 4);
    const h2 = await handoff(flow.id, shelf, { type: 'node', id: assembler }, { type: 'member', id: rita }, rita, 1);
    await new HandoffsRepository(t.ds).answer(h1, { kind: 'node', nodeId: assembler }, { accepted: true }, 'node');

    const lots = new LotsRepository(t.ds);
    const fromShelf = (await lots.trace(shelf))!;
    expect(fromShelf.lot).toMatchObject({ id: shelf, depth: 0, madeBy: { nodeId: assembler, nodeName: 'Assembler' }, handoffs: [{ id: h2, status: 'pending', to: { type: 'member', id: rita, name: 'Rita' } }] });
    expect(fromShelf.forward).toEqual([]);
    expect(fromShelf.backward.map((l) => [l.id, l.depth, l.via])).toEqual([
      [frame, 1, shelf],
      ...[legs1, legs2, top].map((id) => [id, 2, frame]),
    ]);
    expect(fromShelf.backward.find((l) => l.id === legs1)?.handoffs).toMatchObject([{ id: h1, status: 'accepted', quantityReceived: 4, from: { name: 'Maker' }, to: { name: 'Assembler' } }]);

    const fromLegs = (await lots.trace(legs1))!;
    expect(fromLegs.backward).toEqual([]);
    expect(fromLegs.forward.map((l) => [l.id, l.depth, l.via])).toEqual([
      [frame, 1, legs1],
      [shelf, 2, frame],
    ]);
    expect(fromLegs.forward[1].handoffs.map((h) => h.id)).toEqual([h2]);
    expect(await lots.trace(randomUUID())).toBeNull();

    // Who may trace: the recipient of a hand-off, the owners of the nodes that touched it; nobody else.
    expect(await lots.memberMaySee(rita, shelf)).toBe(true);
    expect(await lots.memberMaySee(mo, legs1)).toBe(true);
    expect(await lots.memberMaySee(ao, legs1)).toBe(true);
    expect(await lots.memberMaySee(rita, legs2)).toBe(false);
  });

  it('stops at the depth bound on a long chain', async () => {
    const [mo, rita] = [await member('Mo'), await member('Rita')];
    const maker = await node('Maker', mo, 'cnc-milling');
    const { flow } = await newFlow(recipe(), rita);
    let prev = await lot(flow.id, 's0', maker, 1);
    const first = prev;
    for (let i = 1; i <= 60; i++) prev = await lot(flow.id, `s${i}`, maker, 1, [{ lotId: prev, quantity: 1 }]);
    const trace = (await new LotsRepository(t.ds).trace(first))!;
    expect(trace.forward).toHaveLength(50);
    expect(Math.max(...trace.forward.map((l) => l.depth))).toBe(50);
  });
});

describe('project blockers', () => {
  it('lists the steps of running flows past their planned done time, and legs no carrier takes', async () => {
    const [mo, rita] = [await member('Mo'), await member('Rita')];
    const maker = await node('Maker', mo, 'cnc-milling');
    const project = randomUUID();
    const { flow } = await newFlow(recipe(), rita, project);
    const repo = new FlowsRepository(t.ds);
    expect(await repo.blockersOfProject(project)).toEqual([]);
    await t.ds.query(`UPDATE flow_steps SET planned_done_at = now() - interval '5 hours', node_id = $2 WHERE flow_id = $1 AND step_key = 'cut'`, [flow.id, maker]);
    const l = await lot(flow.id, 'cut', maker);
    const [{ id: legId }] = (await t.ds.query(
      `INSERT INTO flow_legs (flow_id, from_step_key, to_step_key, lot_id, flow_type, from_node_id, to_type, to_id, quantity, status) VALUES ($1, 'cut', 'finish', $2, 'cold-chain', $3, 'node', $3, 10, 'no-carrier') RETURNING id`,
      [flow.id, l, maker],
    )) as Array<{ id: string }>;
    const blockers = await repo.blockersOfProject(project);
    expect(blockers).toMatchObject([
      { kind: 'late-step', flowId: flow.id, stepKey: 'cut', nodeId: maker },
      { kind: 'no-carrier', flowId: flow.id, stepKey: 'cut', toStep: 'finish', legId, flowType: 'cold-chain' },
    ]);
    expect(blockers[0].lateByMs).toBeGreaterThanOrEqual(5 * HOUR);
    // A done step is not late any more; a cancelled flow blocks nothing.
    await t.ds.query(`UPDATE flow_steps SET done_at = now() WHERE flow_id = $1 AND step_key = 'cut'`, [flow.id]);
    expect((await repo.blockersOfProject(project)).map((b) => b.kind)).toEqual(['no-carrier']);
    await t.ds.query(`UPDATE flows SET status = 'cancelled' WHERE id = $1`, [flow.id]);
    expect(await repo.blockersOfProject(project)).toEqual([]);
  });
});
