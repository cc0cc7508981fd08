/**
 * Job dispatch end to end with real HTTP: real node receivers started here (the reference receiver
 * from examples/ answering through the node API, a rejecting one, one that fails twice before it
 * takes the offer, a silent one), the real API listening on a port, the worker, PostgreSQL, the
 * Temporal dev server and a real SMTP server for the delivery confirmation.
 */
import { randomUUID } from 'node:crypto';
import { createServer, Server } from 'node:http';
import { JobActivities } from '../../apps/worker/src/activities/job.activities';
import type { JobOffer, JobView } from '@app/contracts';
import { insertJobRow } from '@app/db';
import { ADMIN_TOKEN, eventually, useTestSystem } from '../support/stack';
import { recordHistoriesIfAsked } from '../support/temporal';
import { linkIn } from '../support/mail';
import { createReceiver, useNodeReceivers } from '../support/node-receivers';

const auth = { Authorization: `Bearer ${ADMIN_TOKEN}` };

describe('job dispatch to nodes over signed webhooks', () => {
  const t = useTestSystem({ mail: true });
  const receivers = useNodeReceivers(t);
  const listen = (s: Server) => receivers.listen(s);
  let seq = 0;
  const member = async (name: string) =>
    (await t.http.post('/admin/members').set(auth).send({ name, email: `${name.toLowerCase()}-${seq++}@example.org` }).expect(201)).body as { id: string; email: string };

  /** A registered node (automation decides who is offered first) with its own receiver. */
  async function node(name: string, automationLevel: string, behaviour: 'accept' | 'reject' | 'flaky' | 'silent' | 'unavailable') {
    const owner = await member(`${name}Owner`);
    const created = await t.http
      .post('/admin/nodes')
      .set(auth)
      .send({ name, ownerMemberId: owner.id, automationLevel, capabilities: [{ function: `milling-${suite}`, capacity: 10, unit: 'parts/day' }], webhookUrl: 'https://placeholder.example/hook' })
      .expect(201);
    const id = created.body.id as string;
    const token = (await t.http.post(`/admin/nodes/${id}/tokens`).set(auth).send({ name: 'receiver' }).expect(201)).body.token as string;
    const events: Array<{ type: string; id: string; data: Record<string, unknown> }> = [];
    let failures = 0;
    let server: Server;
    if (behaviour === 'unavailable') {
      // Answers every delivery 503 (retried) and logs what arrived, in order.
      server = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          const body = JSON.parse(Buffer.concat(chunks).toString());
          events.push({ type: body.type, id: String(req.headers['webhook-id']), data: body.data });
          res.writeHead(503).end();
        });
      });
    } else if (behaviour === 'flaky') {
      // 500 twice, then it verifies nothing and takes the offer through the node API.
      server = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          const body = JSON.parse(Buffer.concat(chunks).toString());
          events.push({ type: body.type, id: String(req.headers['webhook-id']), data: body.data });
          if (failures++ < 2) return res.writeHead(500).end();
          res.writeHead(202).end();
          if (body.type === 'job.offered') {
            void fetch(`${receivers.api}/nodes/me/jobs/${body.data.jobId}/accept`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ offerId: body.data.offerId }) });
          }
        });
      });
    } else {
      server = createReceiver({
        secrets: [created.body.webhookSecret],
        onEvent: (e) => void events.push(e),
        answerOffers: behaviour === 'silent' ? undefined : { apiUrl: receivers.api, token, decide: () => behaviour },
        log: () => undefined,
      });
    }
    await t.http.patch(`/admin/nodes/${id}`).set(auth).send({ webhookUrl: await listen(server) }).expect(200);
    return { id, token, events, owner, server };
  }

  let suite = 'a';
  const project = async () => (await t.http.post('/admin/projects').set(auth).send({ name: `Jobs ${seq++}` }).expect(201)).body.id as string;
  const job = async (recipientId: string, over: Record<string, unknown> = {}) =>
    (
      await t.http
        .post('/admin/jobs')
        .set(auth)
        .send({
          capability: `milling-${suite}`,
          quantity: 20,
          unit: 'parts',
          specUrl: 'https://designs.example.org/bracket.step',
          dueAt: new Date(Date.now() + 5 * 24 * 3_600_000).toISOString(),
          recipient: { type: 'member', id: recipientId },
          demand: { type: 'project', id: await project() },
          ...over,
        })
        .expect(201)
    ).body.id as string;
  const status = async (id: string) => (await t.http.get(`/admin/jobs/${id}`).set(auth).expect(200)).body;
  const nodeCall = (token: string, path: string, body: object) => t.http.post(`/nodes/me/jobs/${path}`).set('Authorization', `Bearer ${token}`).send(body);

  it('offers to the most automated node first; a rejection moves on; the accepting node delivers; the recipient confirms from the email', async () => {
    suite = 'a';
    const rejecting = await node('Automated', 'automated', 'reject');
    const accepting = await node('Manual', 'manual', 'accept');
    const recipient = await member('Rita');
    const id = await job(recipient.id);

    const accepted = await eventually(async () => {
      const j = await status(id);
      return j.status === 'accepted' ? j : undefined;
    }, 30_000);
    expect(accepted.offers.map((o: { nodeId: string; answer: string }) => [o.nodeId, o.answer])).toEqual([
      [rejecting.id, 'rejected'],
      [accepting.id, 'accepted'],
    ]);
    expect(rejecting.events.map((e) => e.type)).toEqual(['job.offered']);

    // Impossible calls are clear 409s; the node reports progress and completion.
    expect((await nodeCall(rejecting.token, `${id}/complete`, { made: 20, scrapped: 0 }).expect(409)).body.code).toBe('job_not_yours');
    // The live status says accepted a moment before the job's row does (the workflow records it
    // next): a node that reports at once may get a 409 and sends the same report again.
    await eventually(async () => ((await nodeCall(accepting.token, `${id}/progress`, { percent: 50, note: 'half milled' })).status === 200 ? true : undefined), 30_000);
    expect((await status(id)).progress).toMatchObject({ percent: 50, note: 'half milled', reports: 1 });
    // Quantities have business bounds: at most 10 × the quantity (20) made and scrapped together.
    const absurd = await nodeCall(accepting.token, `${id}/complete`, { made: 1e20, scrapped: 0 }).expect(400);
    expect(absurd.body.errors.map((e: { field: string }) => e.field)).toContain('made');
    const tooMany = await nodeCall(accepting.token, `${id}/complete`, { made: 150, scrapped: 51 }).expect(400);
    expect(tooMany.body.errors.map((e: { field: string }) => e.field)).toContain('made');
    expect((await nodeCall(accepting.token, `${id}/progress`, { percent: 60, note: 'n'.repeat(1001) }).expect(400)).body.code).toBe('validation_failed');
    const done = await nodeCall(accepting.token, `${id}/complete`, { made: 20, scrapped: 1 }).expect(200);
    expect(done.body.status).toBe('delivered');
    await nodeCall(accepting.token, `${id}/complete`, { made: 20, scrapped: 1 }).expect(200); // a repeat is harmless
    const mine = await t.http.get('/nodes/me/jobs').set('Authorization', `Bearer ${accepting.token}`).expect(200);
    expect(mine.body.items.map((j: { id: string }) => j.id)).toContain(id);
    await t.http.get('/nodes/me/jobs').set('Authorization', 'Bearer dpn_node_nope').expect(401);

    // The recipient confirms from the link in the email (the web app signs in with it, then answers).
    const mail = await eventually(async () => (await t.mail.messages()).find((m) => m.envelopeTo.includes(recipient.email) && m.subject.startsWith('Decision needed: Delivery')), 20_000);
    // The email names the node and the project, not their ids.
    expect(mail.text).toContain(`"Manual" reports 20`);
    expect(mail.text).toMatch(/For: Jobs \d+/);
    expect(mail.text).not.toContain(accepting.id);
    const session = await t.http.post('/session').send({ link: new URL(linkIn(mail)).pathname.split('/').pop() }).expect(200);
    const cookie = (session.headers['set-cookie'] as unknown as string[])[0].split(';')[0];
    await t.http.post(`${session.body.path}/answer`.replace('/decisions/', '/members/me/decisions/')).set('Cookie', cookie).set('X-CSRF-Token', session.body.csrfToken).send({ option: 'confirm' }).expect(200);
    const confirmed = await eventually(async () => {
      const j = await status(id);
      return j.status === 'confirmed' && j.leadTimes.confirmedAt ? j : undefined;
    }, 20_000);
    expect(confirmed.yield).toEqual({ made: 20, scrapped: 1 });
    const lt = confirmed.leadTimes;
    expect(Date.parse(lt.firstOfferedAt) <= Date.parse(lt.acceptedAt) && Date.parse(lt.acceptedAt) <= Date.parse(lt.completedAt) && Date.parse(lt.completedAt) <= Date.parse(lt.confirmedAt)).toBe(true);
    await eventually(async () => accepting.events.some((e) => e.type === 'delivery.confirmed'));
  });

  it('retries an offer a node answers with 500 twice (same webhook-id), and records every attempt', async () => {
    suite = 'b';
    const flaky = await node('Flaky', 'automated', 'flaky');
    const recipient = await member('Fritz');
    const id = await job(recipient.id);
    await eventually(async () => (await status(id)).status === 'accepted', 30_000);
    const offers = flaky.events.filter((e) => e.type === 'job.offered');
    expect(offers).toHaveLength(3);
    expect(new Set(offers.map((e) => e.id)).size).toBe(1); // the same event id on every retry
    const attempts = (await t.http.get(`/admin/nodes/${flaky.id}/webhook-attempts`).set(auth).expect(200)).body.items;
    expect(attempts.map((a: { attempt: number; outcome: string; statusCode: number }) => [a.attempt, a.outcome, a.statusCode])).toEqual([
      [3, 'delivered', 202],
      [2, 'retry', 500],
      [1, 'retry', 500],
    ]);
    // The node's operator sees the same through the node API.
    const own = await t.http.get('/nodes/me/webhook-attempts').set('Authorization', `Bearer ${flaky.token}`).expect(200);
    expect(own.body.items.map((a: { statusCode: number }) => a.statusCode)).toEqual([202, 500, 500]);
  });

  it('re-offers after a silent node lets the offer expire; a rejected delivery goes back to the same node for rework', async () => {
    suite = 'c';
    const silent = await node('Silent', 'automated', 'silent');
    const worker = await node('Worker', 'conventional', 'accept');
    const recipient = await member('Rosa');
    const rosaToken = (await t.http.post(`/admin/members/${recipient.id}/tokens`).set(auth).send({ name: 'e2e' }).expect(201)).body.token;
    const id = await job(recipient.id, { offerTimeoutSeconds: 5 });
    const accepted = await eventually(async () => {
      const j = await status(id);
      return j.status === 'accepted' ? j : undefined;
    }, 30_000);
    expect(accepted.offers.map((o: { nodeId: string; answer: string }) => [o.nodeId, o.answer])).toEqual([
      [silent.id, 'expired'],
      [worker.id, 'accepted'],
    ]);
    expect(silent.events.map((e) => e.type)).toEqual(['job.offered', 'offer.withdrawn']);

    await nodeCall(worker.token, `${id}/complete`, { made: 20, scrapped: 0 }).expect(200);
    const pending = await eventually(async () => {
      const r = await t.http.get('/members/me/decisions').set('Authorization', `Bearer ${rosaToken}`).expect(200);
      return r.body.items[0];
    }, 20_000);
    await t.http.post(`/members/me/decisions/${pending.id}/answer`).set('Authorization', `Bearer ${rosaToken}`).send({ option: 'reject', comment: 'burrs on every part' }).expect(200);
    // Rework: the same node is offered the job again, accepts, delivers; Rosa confirms.
    await eventually(async () => (await status(id)).offers.length === 3 && (await status(id)).status === 'accepted', 30_000);
    const reworked = await status(id);
    expect(reworked.offers[2]).toMatchObject({ nodeId: worker.id, answer: 'accepted' });
    expect(reworked.runs[0]).toMatchObject({ confirmation: 'rejected', reason: 'burrs on every part' });
    expect(worker.events.filter((e) => e.type === 'job.offered').at(-1)?.data.rework).toBe(true);
    await nodeCall(worker.token, `${id}/complete`, { made: 20, scrapped: 4 }).expect(200);
    const second = await eventually(async () => {
      const r = await t.http.get('/members/me/decisions').set('Authorization', `Bearer ${rosaToken}`).expect(200);
      return r.body.items[0];
    }, 20_000);
    await t.http.post(`/members/me/decisions/${second.id}/answer`).set('Authorization', `Bearer ${rosaToken}`).send({ option: 'confirm' }).expect(200);
    const end = await eventually(async () => {
      const j = await status(id);
      return j.status === 'confirmed' ? j : undefined;
    }, 20_000);
    // The rejected run's parts count as scrap.
    expect(end.yield).toEqual({ made: 20, scrapped: 24 });
  });

  it('counts a node’s expired offers in a row once each, suspends it at three, and starts again when reactivated', async () => {
    suite = 'd';
    const silent = await node('Sleepy', 'automated', 'silent');
    const activities = t.sys.worker!.get(JobActivities);
    const expire = (offerId: string) => activities.recordOfferOutcome({ nodeId: silent.id, offerId, answered: false });
    expect((await expire('job-1:1')).expiredInRow).toBe(1);
    expect((await expire('job-1:1')).expiredInRow).toBe(1); // a retried activity counts an expiry once
    expect((await expire('job-2:1')).suspended).toBe(false);
    const third = await expire('job-3:1');
    expect(third).toMatchObject({ suspended: true, expiredInRow: 3, ownerMemberId: silent.owner.id });
    expect((await t.http.get(`/admin/nodes/${silent.id}`).set(auth).expect(200)).body.status).toBe('suspended');
    // Reactivated by the coordinator, it starts from zero again.
    await t.http.patch(`/admin/nodes/${silent.id}`).set(auth).send({ status: 'active' }).expect(200);
    expect((await expire('job-4:1')).expiredInRow).toBe(1);
  });

  it('refuses jobs without a real demand, and bad input', async () => {
    suite = 'e';
    const r = await member('Rhea');
    const noDemand = await t.http
      .post('/admin/jobs')
      .set(auth)
      .send({ capability: 'milling-e', quantity: 1, unit: 'parts', specUrl: 'https://x.example/s', dueAt: new Date(Date.now() + 2 * 86_400_000).toISOString(), recipient: { type: 'member', id: r.id }, demand: { type: 'project', id: '7f1c4c8e-8c1e-4d1e-9a7b-2f0a4d3b9c11' } })
      .expect(422);
    expect(noDemand.body.code).toBe('unknown_demand');
    const bad = await t.http.post('/admin/jobs').set(auth).send({ capability: 'Milling!', quantity: 0, unit: '', specUrl: 'ftp://x', dueAt: 'soon', recipient: { type: 'alien', id: 'x' }, demand: { type: 'wish', id: 'x' } }).expect(400);
    expect(bad.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(
      ['capability', 'demand.id', 'demand.type', 'dueAt', 'quantity', 'recipient.id', 'recipient.type', 'specUrl', 'unit'].sort(),
    );
  });
  const memberToken = async (memberId: string) => (await t.http.post(`/admin/members/${memberId}/tokens`).set(auth).send({ name: 'e2e' }).expect(201)).body.token as string;
  const confirmDelivery = async (token: string) => {
    const pending = await eventually(async () => {
      const r = await t.http.get('/members/me/decisions').set('Authorization', `Bearer ${token}`).expect(200);
      return r.body.items[0];
    }, 20_000);
    await t.http.post(`/members/me/decisions/${pending.id}/answer`).set('Authorization', `Bearer ${token}`).send({ option: 'confirm' }).expect(200);
  };

  it('takes a flood of progress reports (thousands) without growing the job’s history; the job then completes and is confirmed', async () => {
    suite = 'f';
    const chatty = await node('Chatty', 'automated', 'accept');
    const recipient = await member('Flo');
    const floToken = await memberToken(recipient.id);
    const id = await job(recipient.id);
    await eventually(async () => (await status(id)).status === 'accepted', 30_000);
    // Twice Temporal's limit of 2,000 Updates per run (each report was one); DPN_FLOOD=10000 for more.
    const REPORTS = Number(process.env.DPN_FLOOD ?? 4_000);
    const codes: Record<number, number> = {};
    let next = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < REPORTS) {
          const n = next++;
          const r = await fetch(`${receivers.api}/nodes/me/jobs/${id}/progress`, {
            method: 'POST',
            headers: { authorization: `Bearer ${chatty.token}`, 'content-type': 'application/json' },
            body: JSON.stringify({ percent: Math.min(99, Math.floor(n / 100)), note: `report ${n}` }),
          });
          await r.arrayBuffer();
          codes[r.status] = (codes[r.status] ?? 0) + 1;
        }
      }),
    );
    expect(codes).toEqual({ 200: REPORTS });
    const during = await status(id);
    expect(during.status).toBe('in-progress');
    expect(during.progress.reports).toBe(REPORTS);
    const handle = t.sys.temporal.workflow.getHandle(`job-${id}`);
    const events = (await handle.fetchHistory()).events!.length;
    expect(events).toBeLessThan(100);
    await nodeCall(chatty.token, `${id}/complete`, { made: 20, scrapped: 0 }).expect(200);
    await confirmDelivery(floToken);
    await eventually(async () => (await status(id)).status === 'confirmed', 20_000);
    // The history after the whole job: the same size as a job without reports.
    const after = (await handle.fetchHistory()).events!;
    expect(after.length).toBeLessThan(150);
    expect(after.filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes)).toHaveLength(3); // accept, first progress, complete
    await eventually(async () => chatty.events.some((e) => e.type === 'delivery.confirmed'), 20_000);
    await eventually(async () => (await t.sys.temporal.workflow.getHandle(`job-${id}-notice-1`).describe()).status.name === 'COMPLETED', 20_000);
    await recordHistoriesIfAsked(t.sys.temporal, [
      { workflowId: `job-${id}`, scenario: 'progress-flood-confirmed_v0.4.0' },
      { workflowId: `job-${id}-notice-1`, scenario: 'webhook-delivered_v0.4.0' },
    ]);
  }, 600_000);

  it('drops an offer webhook still being retried once its offer has closed (recorded as skipped): no job.offered after offer.withdrawn', async () => {
    suite = 'g';
    const down = await node('Down', 'automated', 'unavailable');
    const recipient = await member('Gina');
    const id = await job(recipient.id, { offerTimeoutSeconds: 5 });
    await eventually(async () => (await status(id)).offers[0]?.answer === 'expired', 30_000);
    // Retries come 1, 2, 4, 8 s apart: the one after the close (at 5 s) finds the offer closed.
    const attempts = await eventually(async () => {
      const items = (await t.http.get(`/admin/nodes/${down.id}/webhook-attempts`).set(auth).expect(200)).body.items as Array<{ eventType: string; outcome: string }>;
      const offered = items.filter((a) => a.eventType === 'job.offered');
      return offered.some((a) => a.outcome === 'skipped') ? offered : undefined;
    }, 30_000);
    expect(attempts.filter((a) => a.outcome === 'skipped')).toHaveLength(1);
    await eventually(async () => down.events.some((e) => e.type === 'offer.withdrawn'), 20_000);
    const types = down.events.map((e) => e.type);
    expect(types.slice(types.indexOf('offer.withdrawn'))).not.toContain('job.offered');
    await recordHistoriesIfAsked(t.sys.temporal, [{ workflowId: `job-${id}`, scenario: 'offer-expired-stale-webhook-skipped_v0.4.0' }]);
  });

  it('refuses an accept or a counter-offer from a suspended node (409 node_suspended); it may still decline', async () => {
    suite = 'h';
    const paused = await node('Paused', 'automated', 'silent');
    const recipient = await member('Hana');
    const id = await job(recipient.id);
    const offered = await eventually(async () => {
      const j = await status(id);
      return j.status === 'offered' ? j : undefined;
    }, 30_000);
    await t.http.patch(`/admin/nodes/${paused.id}`).set(auth).send({ status: 'suspended' }).expect(200);
    const offerId = offered.offers[0].offerId;
    expect((await nodeCall(paused.token, `${id}/accept`, { offerId }).expect(409)).body.code).toBe('node_suspended');
    expect((await nodeCall(paused.token, `${id}/counter`, { offerId, quantity: 5 }).expect(409)).body.code).toBe('node_suspended');
    expect((await status(id)).status).toBe('offered');
    await nodeCall(paused.token, `${id}/reject`, { offerId, reason: 'paused' }).expect(200);
  });

  it('a confirmed job ends when the recipient confirms, though its node’s receiver is gone; the notice is retried on its own', async () => {
    suite = 'i';
    const vanishing = await node('Vanishing', 'automated', 'accept');
    const recipient = await member('Ines');
    const token = await memberToken(recipient.id);
    const id = await job(recipient.id);
    await eventually(async () => (await status(id)).status === 'accepted', 30_000);
    await nodeCall(vanishing.token, `${id}/complete`, { made: 20, scrapped: 0 }).expect(200);
    // The node's receiver goes away (connection refused from now on).
    vanishing.server.closeAllConnections();
    await new Promise((r) => vanishing.server.close(r));
    await confirmDelivery(token);
    const handle = t.sys.temporal.workflow.getHandle(`job-${id}`);
    await eventually(async () => (await handle.describe()).status.name === 'COMPLETED', 30_000);
    expect((await status(id)).status).toBe('confirmed');
    await eventually(async () => {
      const items = (await t.http.get(`/admin/nodes/${vanishing.id}/webhook-attempts`).set(auth).expect(200)).body.items as Array<{ eventType: string; outcome: string; error: string | null }>;
      return items.some((a) => a.eventType === 'delivery.confirmed' && a.outcome === 'retry' && /ECONNREFUSED/.test(a.error ?? ''));
    }, 30_000);
    await recordHistoriesIfAsked(t.sys.temporal, [{ workflowId: `job-${id}`, scenario: 'confirmed-node-receiver-gone-e2e_v0.4.0' }]);
  });

  it('keeps every offer and run in PostgreSQL: a job shows the latest offers with a count, the whole list is paged', async () => {
    suite = 'j';
    const recipient = await member('Jo');
    const jobId = randomUUID();
    await insertJobRow(t.db, {
      id: jobId,
      capability: 'milling-j',
      quantity: 3,
      unit: 'parts',
      specUrl: 'https://x.example/s',
      dueAt: new Date(Date.now() + 86_400_000),
      recipient: { type: 'member', id: recipient.id },
      demand: { type: 'project', id: await project() },
      createdBy: 'coordinator',
    });
    const nodeId = randomUUID();
    const offer = (n: number): JobOffer => ({ offerId: `${jobId}:${n}`, nodeId, offeredAt: new Date(Date.now() + n * 1000).toISOString(), answer: 'rejected', reason: `no (${n})`, answeredAt: new Date(Date.now() + n * 1000 + 500).toISOString() });
    const run = (n: number): JobView['runs'][number] => ({ made: n, scrapped: 0, completedAt: new Date().toISOString(), confirmation: 'rejected', reason: `run ${n}`, documents: [] });
    const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => a + i);
    const view = (offers: number[], runs: number[]): JobView => ({
      jobId,
      status: 'no-node',
      nodeId: null,
      quantity: 3,
      dueAt: new Date(Date.now() + 86_400_000).toISOString(),
      offers: offers.map(offer),
      offerCount: offers.at(-1),
      progress: null,
      runs: runs.map(run),
      runCount: runs.at(-1),
      yield: { made: 0, scrapped: runs.at(-1)! * (runs.at(-1)! + 1) / 2 },
      remainderJobIds: [],
      escalations: [],
    });
    const activities = t.sys.worker!.get(JobActivities);
    await activities.recordJob({ jobId, seq: 1, view: view(range(1, 10), range(1, 5)) });
    await activities.recordJob({ jobId, seq: 2, view: view(range(6, 15), range(3, 7)) });
    const j = await status(jobId);
    expect(j.offerCount).toBe(15);
    expect(j.offers.map((o: JobOffer) => o.offerId)).toEqual(range(6, 15).map((n) => `${jobId}:${n}`));
    expect(j.runs.map((r: { reason: string }) => r.reason)).toEqual(range(1, 7).map((n) => `run ${n}`));
    const all = (await t.http.get(`/admin/jobs/${jobId}/offers?limit=100`).set(auth).expect(200)).body;
    expect(all.total).toBe(15);
    expect(all.items.map((o: JobOffer) => o.offerId)).toEqual(range(1, 15).map((n) => `${jobId}:${n}`));
    const page = (await t.http.get(`/admin/jobs/${jobId}/offers?limit=5&offset=10`).set(auth).expect(200)).body;
    expect(page.items.map((o: JobOffer) => o.reason)).toEqual(range(11, 15).map((n) => `no (${n})`));
  });

  it('writes the row of a remainder job with every column the shared insert writes', async () => {
    suite = 'k';
    const recipient = await member('Kim');
    const parentId = randomUUID();
    await insertJobRow(t.db, {
      id: parentId,
      capability: 'milling-k',
      productId: 'tomatoes',
      quantity: 10,
      unit: 'kg',
      specUrl: 'https://x.example/s',
      dueAt: new Date(Date.now() + 86_400_000),
      recipient: { type: 'member', id: recipient.id },
      demand: { type: 'project', id: await project() },
      phase: 'rnd',
      taskKey: 'concept',
      createdBy: 'coordinator',
    });
    const restId = randomUUID();
    const activities = t.sys.worker!.get(JobActivities);
    await activities.createRemainderJob({ parentJobId: parentId, jobId: restId, quantity: 4 });
    await activities.createRemainderJob({ parentJobId: parentId, jobId: restId, quantity: 4 }); // a retry writes nothing twice
    const [parent] = await t.db.query<Record<string, unknown>>('SELECT * FROM jobs WHERE id = $1', [parentId]);
    const [rest] = await t.db.query<Record<string, unknown>>('SELECT * FROM jobs WHERE id = $1', [restId]);
    expect(rest).toMatchObject({ quantity: 4, parent_job_id: parentId, workflow_id: `job-${restId}`, status: 'searching' });
    const own = new Set(['id', 'workflow_id', 'quantity', 'parent_job_id', 'created_at', 'updated_at']);
    for (const column of Object.keys(parent).filter((c) => !own.has(c))) {
      expect([column, rest[column]]).toEqual([column, parent[column]]);
    }
  });
});
