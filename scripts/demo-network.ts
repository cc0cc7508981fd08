/**
 * The demo network and the project that walks it through every phase, over the public HTTP API
 * only (what a coordinator's own tooling would do). `npm run demo` runs it against `npm run dev`;
 * the whole-project test runs the same code against the time-skipping test server.
 *
 * The network: five members, a location, five nodes of different automation levels (a design
 * studio, a machine shop, an automated greenhouse co-owned by three members, an automation lab,
 * and a woodshop that joins in node-buildout), each with a simulated receiver: the reference
 * receiver from examples/node-receiver, verifying signatures, accepting offers and completing the
 * work with documents where a design or a test report is due. Simulated members pledge and answer
 * their decisions (delivery confirmations, gate votes) through the member API.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { PROJECT_ROOT } from '@app/temporal';

// The reference receiver is plain JavaScript for node operators to copy; loaded from the source tree.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { createReceiver } = require(join(PROJECT_ROOT, 'examples', 'node-receiver', 'receiver.js')) as {
  createReceiver(opts: {
    secrets: string[];
    onEvent?: (e: ReceivedEvent) => number | void;
    answerOffers?: { apiUrl: string; token: string; decide: () => 'accept' | 'reject' | null };
    simulateWork?: { afterMs: number; documentsBaseUrl?: string };
    log?: (l: string) => void;
  }): Server;
};

export interface ReceivedEvent {
  id: string;
  type: string;
  data: Record<string, unknown>;
}

export interface DemoOptions {
  apiUrl: string;
  adminToken: string;
  log: (line: string) => void;
  /** How long a simulated node takes to make something after accepting (ms). */
  workMs: number;
  /** Makes names and emails unique when the demo runs again on the same database. */
  tag: string;
  /** How long to wait for any one step (ms). */
  stepTimeoutMs?: number;
}

export interface DemoMember {
  id: string;
  name: string;
  email: string;
  token: string;
}

export interface DemoNode {
  id: string;
  name: string;
  token: string;
  events: ReceivedEvent[];
  server: Server;
}

export interface DemoNetwork {
  members: Record<'ana' | 'ben' | 'cleo' | 'dev' | 'eli', DemoMember>;
  nodes: Record<'studio' | 'shop' | 'greenhouse' | 'lab' | 'woodshop', DemoNode>;
  locationId: string;
  greenhouseAssetId: string;
  close(): Promise<void>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    what: string,
  ) {
    super(`${what}: HTTP ${status} ${JSON.stringify(body)}`);
  }
}

/** A thin client of the DPN API. */
export class Dpn {
  constructor(
    private readonly base: string,
    private readonly adminToken: string,
  ) {}

  // The demo reads a few fields of many response shapes; untyped JSON keeps it short.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  async call<T = any>(method: string, path: string, body?: unknown, opts: { token?: string; key?: string } = {}): Promise<T> {
    const res = await fetch(`${this.base}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${opts.token ?? this.adminToken}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(opts.key ? { 'idempotency-key': opts.key } : {}),
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    const parsed = text ? JSON.parse(text) : null;
    if (!res.ok) throw new HttpError(res.status, parsed, `${method} ${path}`);
    return parsed as T;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `fn` until it returns a value (not undefined), or throws after `timeoutMs`. */
async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`demo: timed out waiting for ${what}`);
    await sleep(300);
  }
}

export async function seedNetwork(o: DemoOptions): Promise<DemoNetwork> {
  const dpn = new Dpn(o.apiUrl, o.adminToken);
  const servers: Server[] = [];

  async function member(key: keyof DemoNetwork['members'], name: string, deposit: number): Promise<DemoMember> {
    const email = `${key}.${o.tag}@demo.dpn.example`;
    const m = await dpn.call('POST', '/admin/members', { name, email });
    if (deposit > 0) await dpn.call('POST', '/admin/ledger/deposits', { memberId: m.id, amount: String(deposit), currency: 'EUR' }, { key: `demo-${o.tag}-${key}` });
    const token = (await dpn.call('POST', `/admin/members/${m.id}/tokens`, { name: 'demo' })).token as string;
    return { id: m.id, name, email, token };
  }

  async function node(owner: DemoMember, name: string, automationLevel: string, capabilities: Array<{ function: string; capacity: number; unit: string }>, locationId: string | null): Promise<DemoNode> {
    const created = await dpn.call('POST', '/admin/nodes', { name, ownerMemberId: owner.id, automationLevel, capabilities, locationId: locationId ?? undefined, webhookUrl: 'https://placeholder.invalid/hook' });
    const token = (await dpn.call('POST', `/admin/nodes/${created.id}/tokens`, { name: 'demo receiver' })).token as string;
    const events: ReceivedEvent[] = [];
    const server = createReceiver({
      secrets: [created.webhookSecret],
      onEvent: (e) => void events.push(e),
      answerOffers: { apiUrl: o.apiUrl, token, decide: () => 'accept' },
      simulateWork: { afterMs: o.workMs, documentsBaseUrl: `https://designs.demo.dpn.example/${o.tag}` },
      log: (l) => o.log(`  [${name}] ${l}`),
    });
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    await dpn.call('PATCH', `/admin/nodes/${created.id}`, { webhookUrl: url });
    o.log(`node ${name} (${automationLevel}) receives webhooks at ${url}`);
    return { id: created.id, name, token, events, server };
  }

  o.log('seeding the demo network: members, a location, nodes, a greenhouse…');
  const members = {
    ana: await member('ana', 'Ana Okafor (designer)', 50_000),
    ben: await member('ben', 'Ben Larsen (greenhouse operator)', 200_000),
    cleo: await member('cleo', 'Cleo Martin (woodworker)', 200_000),
    dev: await member('dev', 'Dev Patel (automation)', 200_000),
    eli: await member('eli', 'Eli Novak (buyer)', 100_000),
  };
  const location = await dpn.call('POST', '/admin/locations', { name: `Lindenau yard ${o.tag}`, kind: 'industrial-park', address: 'Lindenauer Hafen 1, Leipzig' });
  const nodes = {
    studio: await node(members.ana, `Ana's design studio ${o.tag}`, 'manual', [{ function: 'design', capacity: 2, unit: 'designs/month' }], null),
    shop: await node(members.ben, `Ben's machine shop ${o.tag}`, 'computer-aided', [{ function: 'fabrication', capacity: 20, unit: 'parts/week' }, { function: 'testing', capacity: 5, unit: 'tests/week' }], location.id),
    greenhouse: await node(members.ben, `Lindenau greenhouse ${o.tag}`, 'automated', [{ function: 'greenhouse', capacity: 400, unit: 'm2' }], location.id),
    lab: await node(members.dev, `Dev's automation lab ${o.tag}`, 'computer-aided', [{ function: 'automation', capacity: 3, unit: 'retrofits/month' }], location.id),
    woodshop: await node(members.cleo, `Cleo's woodshop ${o.tag}`, 'conventional', [{ function: 'woodworking', capacity: 15, unit: 'parts/week' }], location.id),
  };
  const asset = await dpn.call('POST', '/admin/assets', {
    name: `Lindenau greenhouse ${o.tag}`,
    kind: 'greenhouse',
    identifier: `GH-DEMO-${o.tag}`,
    nodeId: nodes.greenhouse.id,
    totalParts: '100',
    owners: [
      { memberId: members.ben.id, parts: '40' },
      { memberId: members.cleo.id, parts: '30' },
      { memberId: members.eli.id, parts: '30' },
    ],
  });
  return {
    members,
    nodes,
    locationId: location.id,
    greenhouseAssetId: asset.id,
    close: async () => {
      await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    },
  };
}

/**
 * Simulated members: every `everyMs` each one answers their pending decisions with the first
 * option (confirm a delivery, approve a gate or a payout). Returns a stop function.
 */
export function simulateMembers(o: DemoOptions, net: DemoNetwork, everyMs = 500): () => Promise<void> {
  const dpn = new Dpn(o.apiUrl, o.adminToken);
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      for (const m of Object.values(net.members)) {
        try {
          const page = await dpn.call('GET', '/members/me/decisions', undefined, { token: m.token });
          for (const d of page.items as Array<{ id: string; kind: string; title: string; options: Array<{ id: string }> }>) {
            await dpn.call('POST', `/members/me/decisions/${d.id}/answer`, { option: d.options[0].id, comment: 'answered by the demo' }, { token: m.token });
            o.log(`${m.name} answered "${d.title}": ${d.options[0].id}`);
          }
        } catch (err) {
          o.log(`${m.name}: ${err instanceof Error ? err.message : String(err)} (will try again)`);
        }
      }
      await sleep(everyMs);
    }
  })();
  return async () => {
    stopped = true;
    await loop;
  };
}

const task = (over: Record<string, unknown>) => ({ quantity: 1, dueInDays: 14, offerTimeoutHours: 24, confirmWithinHours: 72, specUrl: 'https://designs.demo.dpn.example/brief.md', ...over });

/** The four phase plans of the demo project. */
export function demoPlans(net: DemoNetwork) {
  return {
    rnd: {
      summary: 'Design a seed-starting rack for the greenhouse and its automated watering, as open hardware.',
      budget: { goal: '150000', currency: 'EUR', minPledge: '10000', openForHours: 72, closeWhenGoalMet: true, payoutApproval: 'coordinator' },
      tasks: [
        task({ key: 'concept-design', title: 'Conceptual and preliminary design of the rack', capability: 'design', unit: 'design', output: 'design', recipient: { type: 'member', id: net.members.ana.id } }),
        task({ key: 'node-detail-design', title: 'Detail design of the rack node and its location', capability: 'design', unit: 'design', output: 'design', licence: 'CERN-OHL-W-2.0', recipient: { type: 'member', id: net.members.ben.id } }),
      ],
    },
    prototyping: {
      summary: "Build a prototype rack at Ben's shop and test it in the greenhouse.",
      // The funders of the project vote on moving on to node build-out.
      gate: { mode: 'members', voters: 'funders', rule: 'majority', votingHours: 48 },
      tasks: [
        task({ key: 'build-prototype', title: 'Build the prototype rack', capability: 'fabrication', unit: 'rack', output: 'goods', recipient: { type: 'node', id: net.nodes.greenhouse.id } }),
        task({ key: 'test-prototype', title: 'Test the prototype for a grow cycle', capability: 'testing', unit: 'report', output: 'test-report', licence: 'CC-BY-4.0', recipient: { type: 'member', id: net.members.ana.id } }),
      ],
    },
    'node-buildout': {
      summary: "1A: Cleo's conventional woodshop joins and makes the rack frames; 1B: its webhook is live and verified.",
      nodes: [net.nodes.woodshop.id],
      tasks: [task({ key: 'rack-frames', title: 'Make 6 rack frames', capability: 'woodworking', quantity: 6, unit: 'frames', output: 'goods', recipient: { type: 'node', id: net.nodes.greenhouse.id } })],
    },
    upgrade: {
      summary: "Retrofit Cleo's woodshop with a CNC router: conventional → computer-aided.",
      tasks: [
        task({
          key: 'cnc-retrofit',
          title: 'CNC retrofit of the woodshop',
          capability: 'automation',
          unit: 'retrofit',
          output: 'upgrade',
          recipient: { type: 'node', id: net.nodes.woodshop.id },
          upgrade: { nodeId: net.nodes.woodshop.id, toLevel: 'computer-aided', capacities: [{ function: 'woodworking', capacity: 40 }] },
        }),
      ],
    },
  } as const;
}

/** Creates the project and walks it through every phase; returns its id. */
export async function walkProject(o: DemoOptions, net: DemoNetwork): Promise<string> {
  const dpn = new Dpn(o.apiUrl, o.adminToken);
  const timeout = o.stepTimeoutMs ?? 120_000;
  const project = await dpn.call('POST', '/admin/projects', { name: `Seed-starting rack ${o.tag}`, description: 'From open design to an upgraded woodshop: the demo project.' });
  const id = project.id as string;
  o.log(`project ${id} created (workflow project-${id})`);
  const plans = demoPlans(net);
  for (const [phase, plan] of Object.entries(plans)) await dpn.call('PUT', `/admin/projects/${id}/phases/${phase}/plan`, plan);
  o.log('plans written for rnd, prototyping, node-buildout and upgrade');

  const detail = () => dpn.call('GET', `/admin/projects/${id}`);
  const phaseOf = async (phase: string) => ((await detail()).phases as Array<{ phase: string; state: string; reason: string | null; round: { id: string; status: string } | null }>).find((p) => p.phase === phase)!;
  const waitDone = async (phase: string) => {
    const p = await until(`${phase} work to end`, async () => {
      const s = await phaseOf(phase);
      return s.state === 'done' || s.state === 'failed' ? s : undefined;
    }, timeout);
    if (p.state !== 'done') throw new Error(`demo: the ${phase} work failed: ${p.reason}`);
    o.log(`${phase}: work done`);
  };
  const waitPhase = (phase: string) => until(`the project to reach ${phase}`, async () => ((await detail()).phase === phase ? true : undefined), timeout);

  // rnd: funding round first, then the design jobs.
  await dpn.call('POST', `/admin/projects/${id}/phases/rnd/start`, undefined, { key: `demo-${o.tag}-rnd` });
  o.log('rnd started: a funding round for the design budget opens');
  const round = await until('the rnd round to open', async () => {
    const r = (await phaseOf('rnd')).round;
    return r && r.status === 'open' ? r : undefined;
  }, timeout);
  for (const m of [net.members.ben, net.members.cleo, net.members.dev]) {
    await dpn.call('POST', `/members/me/rounds/${round.id}/pledge`, { amount: '50000' }, { token: m.token });
    o.log(`${m.name} pledged 500.00 EUR`);
  }
  await until('the round to await its payout', async () => ((await phaseOf('rnd')).round?.status === 'awaiting-payout' ? true : undefined), timeout);
  await dpn.call('POST', `/admin/rounds/${round.id}/payout/approve`);
  o.log('coordinator approved the payout: the design jobs go out to the design studio');
  await waitDone('rnd');
  await dpn.call('POST', `/admin/projects/${id}/phases/advance`, { fromPhase: 'rnd', note: 'Designs reviewed' });
  await waitPhase('prototyping');

  // prototyping: build and test; the funders vote on the gate.
  await dpn.call('POST', `/admin/projects/${id}/phases/prototyping/start`);
  o.log('prototyping started');
  await waitDone('prototyping');
  await dpn.call('POST', `/admin/projects/${id}/phases/advance`, { fromPhase: 'prototyping', note: 'Prototype passed its grow-cycle test' });
  o.log("the project's funders vote on moving to node-buildout (email + member API)");
  await waitPhase('node-buildout');

  // node-buildout: the woodshop answers a signed ping and makes the frames.
  await dpn.call('POST', `/admin/projects/${id}/phases/node-buildout/start`);
  o.log('node-buildout started: the woodshop must answer a signed ping');
  await waitDone('node-buildout');
  await dpn.call('POST', `/admin/projects/${id}/phases/advance`, { fromPhase: 'node-buildout' });
  await waitPhase('upgrade');

  // upgrade: the automation lab retrofits the woodshop; the registry raises it when confirmed.
  await dpn.call('POST', `/admin/projects/${id}/phases/upgrade/start`);
  o.log('upgrade started: the automation lab retrofits the woodshop');
  await waitDone('upgrade');
  await dpn.call('POST', `/admin/projects/${id}/phases/advance`, { fromPhase: 'upgrade', note: 'Network upgraded' });
  await waitPhase('completed');
  o.log(`project ${id} completed`);
  return id;
}

export interface DemoShowcase {
  /** The member a reader signs in as (Eli: a co-owner of the greenhouse, a backer of a round). */
  member: DemoMember;
  projectId: string;
  roundId: string;
  assetId: string;
}

/** The greenhouse's catalogue: what its owners can order each quarter. */
export const GREENHOUSE_CATALOGUE = {
  timeZone: 'Europe/Berlin',
  quarterlyCapacity: 400,
  capacityUnit: 'm2',
  // Open for 120 days before each quarter, to its first day: some quarter always takes orders (the demo's window is open now).
  orderWindow: { openDaysBefore: 120, closeDaysBefore: 0, closeHour: 0 },
  products: [
    { id: 'tomatoes', name: 'Tomatoes', unit: 'crate', capacityPerUnit: 2, leadTimeDays: 70, capability: 'greenhouse' },
    { id: 'salad', name: 'Salad', unit: 'box', capacityPerUnit: 1, leadTimeDays: 35, capability: 'greenhouse' },
    { id: 'seedlings', name: 'Seedling trays', unit: 'tray', capacityPerUnit: 3, leadTimeDays: 21, capability: 'greenhouse' },
  ],
};

/**
 * What a member sees in the web app after the demo: the greenhouse taking orders for a quarter
 * (Eli has ordered more than her share), and a second project raising money with its legal
 * documents (Eli and Ben have pledged). The reader signs in as Eli.
 */
export async function showcase(o: DemoOptions, net: DemoNetwork): Promise<DemoShowcase> {
  const dpn = new Dpn(o.apiUrl, o.adminToken);
  const eli = net.members.eli;
  await dpn.call('PUT', `/admin/assets/${net.greenhouseAssetId}/catalogue`, GREENHOUSE_CATALOGUE);
  await dpn.call('POST', `/admin/assets/${net.greenhouseAssetId}/order-cycle`);
  o.log('the greenhouse takes orders: its co-owners are emailed');
  const project = await dpn.call('POST', '/admin/projects', {
    name: `Solar seed dryer ${o.tag}`,
    description: 'A solar-heated dryer beside the greenhouse, so that the network keeps its own seed: co-owned by its backers, built by the woodshop.',
  });
  const round = await dpn.call(
    'POST',
    `/admin/projects/${project.id}/rounds`,
    {
      goal: '250000',
      currency: 'EUR',
      minPledge: '5000',
      deadline: new Date(Date.now() + 21 * 86_400_000).toISOString(),
      documents: [
        { title: 'Co-ownership agreement (tenancy in common)', url: 'https://docs.demo.dpn.example/dryer/co-ownership-v2.pdf', contentHash: `sha256:${'3b1f0c7a9e'.repeat(6)}0c7a` },
        { title: 'Budget and supplier quotes', url: 'https://docs.demo.dpn.example/dryer/budget-q.pdf', contentHash: `sha256:${'9a4e22d1f0'.repeat(6)}22d1` },
      ],
    },
    { key: `demo-${o.tag}-dryer-round` },
  );
  const roundId = round.roundId as string;
  await until('the dryer round to open', async () => ((await dpn.call('GET', `/public/rounds/${roundId}`)).status === 'open' ? true : undefined), o.stepTimeoutMs ?? 120_000);
  await dpn.call('POST', `/members/me/rounds/${roundId}/pledge`, { amount: '40000' }, { token: net.members.ben.token });
  await dpn.call('POST', `/members/me/rounds/${roundId}/pledge`, { amount: '25000' }, { token: eli.token });
  o.log(`${net.members.ben.name} and ${eli.name} pledged to the solar seed dryer`);
  // Eli orders more than her 30 % (120 m2): the order page shows the warning.
  await until(
    'the order window to open',
    async () => {
      try {
        await dpn.call('POST', `/members/me/assets/${net.greenhouseAssetId}/orders`, { lines: [{ productId: 'tomatoes', quantity: 50 }, { productId: 'salad', quantity: 40 }], standing: false }, { token: eli.token });
        return true;
      } catch {
        return undefined;
      }
    },
    o.stepTimeoutMs ?? 120_000,
  );
  o.log(`${eli.name} ordered 50 crates of tomatoes and 40 boxes of salad (140 m2, her share is 120 m2)`);
  return { member: eli, projectId: project.id as string, roundId, assetId: net.greenhouseAssetId };
}
