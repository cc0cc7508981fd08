/**
 * Paid work end to end with real HTTP: a priced job for a project, offered by signed webhook to a
 * node running the reference receiver (examples/node-receiver), which accepts through the node
 * API. The project's account cannot hold the price at first: the job waits for money; a transfer
 * into the project wakes it and the price is reserved; the node delivers, the recipient confirms
 * from the email, and the node's owner is paid. The ledger balances at the end.
 */
import { ADMIN_TOKEN, eventually, useTestSystem } from '../support/stack';
import { recordHistoriesIfAsked } from '../support/temporal';
import { linkIn } from '../support/mail';
import { createReceiver, useNodeReceivers } from '../support/node-receivers';

const auth = { Authorization: `Bearer ${ADMIN_TOKEN}` };

describe('paid work: a priced job reserved, delivered, confirmed and paid', () => {
  const t = useTestSystem({ mail: true });
  const receivers = useNodeReceivers(t);
  let seq = 0;

  const member = async (name: string) =>
    (await t.http.post('/admin/members').set(auth).send({ name, email: `${name.toLowerCase()}-${seq++}@example.org` }).expect(201)).body as { id: string; email: string };
  const balance = async (kind: string, ownerId: string) => {
    const accounts = (await t.http.get('/admin/ledger/accounts').query({ ownerId, kind }).set(auth).expect(200)).body as Array<{ currency: string; balance: string }>;
    return accounts.find((a) => a.currency === 'EUR')?.balance ?? '0';
  };
  const transfer = (from: { kind: string; ownerId: string }, to: { kind: string; ownerId: string }, amount: string, key: string) =>
    t.http.post('/admin/ledger/transfers').set(auth).set('Idempotency-Key', key).send({ from, to, currency: 'EUR', amount }).expect(201);

  /** A node with the reference receiver, accepting every offer through the node API. */
  const acceptingNode = async (capability: string) => {
    const owner = await member('Olga');
    const created = await t.http
      .post('/admin/nodes')
      .set(auth)
      .send({ name: `Paid Shop ${seq++}`, ownerMemberId: owner.id, automationLevel: 'automated', capabilities: [{ function: capability, capacity: 10, unit: 'parts/day' }], webhookUrl: 'https://placeholder.example/hook' })
      .expect(201);
    const nodeId = created.body.id as string;
    const token = (await t.http.post(`/admin/nodes/${nodeId}/tokens`).set(auth).send({ name: 'receiver' }).expect(201)).body.token as string;
    const events: Array<{ type: string; data: Record<string, unknown> }> = [];
    const receiver = createReceiver({ secrets: [created.body.webhookSecret], onEvent: (e) => void events.push(e), answerOffers: { apiUrl: receivers.api, token, decide: () => 'accept' }, log: () => undefined });
    await t.http.patch(`/admin/nodes/${nodeId}`).set(auth).send({ webhookUrl: await receivers.listen(receiver) }).expect(200);
    return { owner, nodeId, token, events };
  };

  it('waits for money, is unblocked by a top-up, and pays the node owner on the confirmed delivery; the trial balance is 0', async () => {
    const { owner, nodeId, token, events } = await acceptingNode('milling-paid');

    // The project's account holds 30,000 (from a backer); the job is priced 48,000.
    const backer = await member('Bea');
    await t.http.post('/admin/ledger/deposits').set(auth).set('Idempotency-Key', `seed-${backer.id}`).send({ memberId: backer.id, amount: '100000', currency: 'EUR' }).expect(201);
    const projectId = (await t.http.post('/admin/projects').set(auth).send({ name: `Paid ${seq++}` }).expect(201)).body.id as string;
    await transfer({ kind: 'member', ownerId: backer.id }, { kind: 'project', ownerId: projectId }, '30000', `fund-${projectId}`);
    const recipient = await member('Rita');
    const jobBody = {
      capability: 'milling-paid',
      quantity: 20,
      unit: 'parts',
      specUrl: 'https://designs.example.org/bracket.step',
      dueAt: new Date(Date.now() + 5 * 24 * 3_600_000).toISOString(),
      recipient: { type: 'member', id: recipient.id },
      demand: { type: 'project', id: projectId },
    };
    // Bad prices are clear 4xx problems, and nothing is created.
    for (const price of [{ amount: '-1', currency: 'EUR' }, { amount: '10.5', currency: 'EUR' }, { amount: 1.5, currency: 'EUR' }]) {
      expect((await t.http.post('/admin/jobs').set(auth).send({ ...jobBody, price }).expect(400)).body.code).toBe('validation_failed');
    }
    expect((await t.http.post('/admin/jobs').set(auth).send({ ...jobBody, price: { amount: '48000', currency: 'GBP' } }).expect(422)).body.code).toBe('currency_mismatch');
    const id = (await t.http.post('/admin/jobs').set(auth).send({ ...jobBody, price: { amount: '48000', currency: 'EUR' } }).expect(201)).body.id as string;
    const job = async () => (await t.http.get(`/admin/jobs/${id}`).set(auth).expect(200)).body;

    // Accepted by the node, but the project cannot hold the price: it waits, and nothing moved.
    const waiting = await eventually(async () => {
      const j = await job();
      return j.status === 'waiting-for-money' ? j : undefined;
    }, 30_000);
    expect(waiting).toMatchObject({ nodeId, price: { amount: '48000', currency: 'EUR' }, payment: 'waiting' });
    expect(await balance('project', projectId)).toBe('30000');
    // A top-up wakes it (no timer needed): the price is reserved.
    await transfer({ kind: 'member', ownerId: backer.id }, { kind: 'project', ownerId: projectId }, '20000', `top-up-${projectId}`);
    await eventually(async () => ((await job()).payment === 'reserved' ? true : undefined), 30_000);
    expect(await balance('project', projectId)).toBe('2000');

    // The node makes and delivers; the recipient confirms from the email.
    await eventually(async () => ((await t.http.post(`/nodes/me/jobs/${id}/progress`).set('Authorization', `Bearer ${token}`).send({ percent: 50 })).status === 200 ? true : undefined), 30_000);
    await t.http.post(`/nodes/me/jobs/${id}/complete`).set('Authorization', `Bearer ${token}`).send({ made: 20, scrapped: 0 }).expect(200);
    const mail = await eventually(async () => (await t.mail.messages()).find((m) => m.envelopeTo.includes(recipient.email) && m.subject.startsWith('Decision needed: Delivery')), 20_000);
    const session = await t.http.post('/session').send({ link: new URL(linkIn(mail)).pathname.split('/').pop() }).expect(200);
    const cookie = (session.headers['set-cookie'] as unknown as string[])[0].split(';')[0];
    await t.http.post(`${session.body.path}/answer`.replace('/decisions/', '/members/me/decisions/')).set('Cookie', cookie).set('X-CSRF-Token', session.body.csrfToken).send({ option: 'confirm' }).expect(200);
    const paid = await eventually(async () => {
      const j = await job();
      return j.status === 'confirmed' && j.payment === 'paid' ? j : undefined;
    }, 30_000);
    expect(paid.paidAmount).toBe('48000');

    // The node's owner has the price; the project has its balance less the payment; nothing is held.
    expect(await balance('member', owner.id)).toBe('48000');
    expect(await balance('project', projectId)).toBe('2000');
    expect(await balance('member', backer.id)).toBe('50000');
    expect((await t.http.get('/admin/ledger/trial-balance').set(auth).expect(200)).body).toEqual({ EUR: '0' });
    await eventually(async () => (events.some((e) => e.type === 'delivery.confirmed') ? true : undefined), 20_000);
    await recordHistoriesIfAsked(t.sys.temporal, [{ workflowId: `job-${id}`, scenario: 'priced-waits-then-paid-e2e_v0.5.0' }]);
  });

  it('a delivery nobody answers keeps its price reserved until a treasurer pays the node or gives it back, once; bad settlements are 4xx', async () => {
    const { owner, token } = await acceptingNode('milling-unanswered');
    const backer = await member('Ben');
    await t.http.post('/admin/ledger/deposits').set(auth).set('Idempotency-Key', `seed-${backer.id}`).send({ memberId: backer.id, amount: '60000', currency: 'EUR' }).expect(201);
    const projectId = (await t.http.post('/admin/projects').set(auth).send({ name: `Unanswered ${seq++}` }).expect(201)).body.id as string;
    await transfer({ kind: 'member', ownerId: backer.id }, { kind: 'project', ownerId: projectId }, '60000', `fund-${projectId}`);
    const recipient = await member('Uma');
    const id = (
      await t.http
        .post('/admin/jobs')
        .set(auth)
        .send({
          capability: 'milling-unanswered',
          quantity: 5,
          unit: 'parts',
          specUrl: 'https://designs.example.org/hinge.step',
          dueAt: new Date(Date.now() + 5 * 24 * 3_600_000).toISOString(),
          recipient: { type: 'member', id: recipient.id },
          demand: { type: 'project', id: projectId },
          price: { amount: '25000', currency: 'EUR' },
        })
        .expect(201)
    ).body.id as string;
    const job = async () => (await t.http.get(`/admin/jobs/${id}`).set(auth).expect(200)).body;
    const settle = (outcome: unknown) => t.http.post(`/admin/jobs/${id}/settle`).set(auth).send({ outcome });

    await eventually(async () => ((await job()).payment === 'reserved' ? true : undefined), 30_000);
    // Not settled by hand while the work goes on.
    expect((await settle('pay').expect(409)).body.code).toBe('job_not_unanswered');
    await eventually(async () => ((await t.http.post(`/nodes/me/jobs/${id}/progress`).set('Authorization', `Bearer ${token}`).send({ percent: 50 })).status === 200 ? true : undefined), 30_000);
    await t.http.post(`/nodes/me/jobs/${id}/complete`).set('Authorization', `Bearer ${token}`).send({ made: 5, scrapped: 0 }).expect(200);

    // The recipient's question ends without an answer (as when its window passes; here the decision is ended through Temporal).
    const decisionId = await eventually(async () => (await t.db.query<{ id: string }>(`SELECT id FROM decisions WHERE subject_id = $1`, [id]))[0]?.id, 30_000);
    await eventually(async () => ((await t.sys.temporal.workflow.getHandle(`decision-${decisionId}`).describe()).status.name === 'RUNNING' ? true : undefined), 30_000);
    await t.sys.temporal.workflow.getHandle(`decision-${decisionId}`).terminate('the recipient never answered');
    const ended = await eventually(async () => {
      const j = await job();
      return j.runs?.at(-1)?.confirmation === 'unanswered' ? j : undefined;
    }, 30_000);
    expect(ended).toMatchObject({ status: 'delivered', payment: 'reserved' });
    expect(await balance('project', projectId)).toBe('35000');
    expect((await t.http.get(`/admin/ledger/trial-balance`).set(auth).expect(200)).body).toEqual({ EUR: '0' });

    // Bad input: a clear 400, nothing moves.
    expect((await settle('refund').expect(400)).body.code).toBe('validation_failed');
    expect((await t.http.post(`/admin/jobs/${id}/settle`).set(auth).send({}).expect(400)).body.code).toBe('validation_failed');
    expect((await job()).payment).toBe('reserved');

    // Given back to the project, once: again answers the same; paying now is refused.
    expect((await settle('release').expect(200)).body).toMatchObject({ id, payment: 'released' });
    expect((await settle('release').expect(200)).body).toMatchObject({ id, payment: 'released' });
    expect((await settle('pay').expect(409)).body.code).toBe('job_already_settled');
    expect(await balance('project', projectId)).toBe('60000');
    expect(await balance('member', owner.id)).toBe('0');
    expect((await t.http.get('/admin/ledger/trial-balance').set(auth).expect(200)).body).toEqual({ EUR: '0' });

    // A job with no price has nothing to settle.
    const unpriced = (await t.http.post('/admin/jobs').set(auth).send({ capability: 'no-such-capability-here', quantity: 1, unit: 'parts', specUrl: 'https://designs.example.org/x.step', dueAt: new Date(Date.now() + 5 * 24 * 3_600_000).toISOString(), recipient: { type: 'member', id: recipient.id }, demand: { type: 'project', id: projectId } }).expect(201)).body.id as string;
    expect((await t.http.post(`/admin/jobs/${unpriced}/settle`).set(auth).send({ outcome: 'pay' }).expect(409)).body.code).toBe('job_not_priced');
  });
});
