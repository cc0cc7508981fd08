/**
 * Statements and receipts over real HTTP (PostgreSQL, the Temporal dev server, a node running the
 * reference receiver, real SMTP): a priced job for a project whose name and the job's unit are
 * hostile markup is reserved, delivered, confirmed and paid; the node owner's statement shows the
 * pay in words with the running balance, the project's shows the reservation; the receipt has the
 * right figures with every name escaped; an unpaid job's receipt is 404 `job_not_paid`; another
 * member, or the owner through another node, gets 404; a console viewer reads the statement and the
 * receipt and is refused settling the job (403 forbidden_role).
 */
import { ADMIN_TOKEN, eventually, useTestSystem } from '../support/stack';
import { linkIn } from '../support/mail';
import { createReceiver, useNodeReceivers } from '../support/node-receivers';

const auth = { Authorization: `Bearer ${ADMIN_TOKEN}` };
const HOSTILE_PROJECT = `<script>alert("p")</script> & Co`;
const HOSTILE_UNIT = '<img src=x onerror=alert(1)>';

describe('statements by owner, and the receipt of a paid job', () => {
  const t = useTestSystem({ mail: true });
  const receivers = useNodeReceivers(t);
  let seq = 0;

  const member = async (name: string) =>
    (await t.http.post('/admin/members').set(auth).send({ name, email: `${name.toLowerCase()}-st-${seq++}@example.org` }).expect(201)).body as { id: string; email: string };
  const memberToken = async (memberId: string) => (await t.http.post(`/admin/members/${memberId}/tokens`).set(auth).send({ name: 'e2e' }).expect(201)).body.token as string;
  const node = async (ownerId: string, name: string, capability = 'milling-st') =>
    (
      await t.http
        .post('/admin/nodes')
        .set(auth)
        .send({ name, ownerMemberId: ownerId, automationLevel: 'automated', capabilities: [{ function: capability, capacity: 10, unit: 'parts/day' }], webhookUrl: 'https://placeholder.example/hook' })
        .expect(201)
    ).body as { id: string; webhookSecret: string };

  it('pays a priced job; the owner’s and the project’s statements show it in words; the receipt is right, escaped, and only for those it belongs to', async () => {
    const owner = await member('Olga');
    const shop = await node(owner.id, 'Statement Shop');
    const nodeToken = (await t.http.post(`/admin/nodes/${shop.id}/tokens`).set(auth).send({ name: 'receiver' }).expect(201)).body.token as string;
    const receiver = createReceiver({ secrets: [shop.webhookSecret], onEvent: () => undefined, answerOffers: { apiUrl: receivers.api, token: nodeToken, decide: () => 'accept' }, log: () => undefined });
    await t.http.patch(`/admin/nodes/${shop.id}`).set(auth).send({ webhookUrl: await receivers.listen(receiver) }).expect(200);
    // The owner's second node: a job of the first is not its job. Another capability, so that the
    // job is never offered to it (its endpoint is a placeholder).
    const otherShop = await node(owner.id, 'Other Shop', 'drilling-st');

    // The project's account: 60,000 from a backer. The job is priced 48,000.
    const backer = await member('Bea');
    await t.http.post('/admin/ledger/deposits').set(auth).set('Idempotency-Key', `st-seed-${backer.id}`).send({ memberId: backer.id, amount: '100000', currency: 'EUR' }).expect(201);
    const projectId = (await t.http.post('/admin/projects').set(auth).send({ name: HOSTILE_PROJECT }).expect(201)).body.id as string;
    await t.http
      .post('/admin/ledger/transfers')
      .set(auth)
      .set('Idempotency-Key', `st-fund-${projectId}`)
      .send({ from: { kind: 'member', ownerId: backer.id }, to: { kind: 'project', ownerId: projectId }, currency: 'EUR', amount: '60000' })
      .expect(201);
    const recipient = await member('Rita');
    const id = (
      await t.http
        .post('/admin/jobs')
        .set(auth)
        .send({
          capability: 'milling-st',
          quantity: 20,
          unit: HOSTILE_UNIT,
          specUrl: 'https://designs.example.org/bracket.step',
          dueAt: new Date(Date.now() + 5 * 24 * 3_600_000).toISOString(),
          recipient: { type: 'member', id: recipient.id },
          demand: { type: 'project', id: projectId },
          price: { amount: '48000', currency: 'EUR' },
        })
        .expect(201)
    ).body.id as string;
    const job = async () => (await t.http.get(`/admin/jobs/${id}`).set(auth).expect(200)).body;
    await eventually(async () => ((await job()).payment === 'reserved' ? true : undefined), 30_000);

    // Reserved, not paid: no receipt yet, with a code.
    const notPaid = await t.http.get(`/admin/jobs/${id}/receipt`).set(auth).expect(404);
    expect(notPaid.headers['content-type']).toContain('application/problem+json');
    expect(notPaid.body.code).toBe('job_not_paid');

    // Made, delivered, confirmed from the email: paid.
    await eventually(async () => ((await t.http.post(`/nodes/me/jobs/${id}/progress`).set('Authorization', `Bearer ${nodeToken}`).send({ percent: 50 })).status === 200 ? true : undefined), 30_000);
    await t.http.post(`/nodes/me/jobs/${id}/complete`).set('Authorization', `Bearer ${nodeToken}`).send({ made: 18, scrapped: 2 }).expect(200);
    const mail = await eventually(async () => (await t.mail.messages()).find((m) => m.envelopeTo.includes(recipient.email) && m.subject.startsWith('Decision needed: Delivery')), 20_000);
    const session = await t.http.post('/session').send({ link: new URL(linkIn(mail)).pathname.split('/').pop() }).expect(200);
    const cookie = (session.headers['set-cookie'] as unknown as string[])[0].split(';')[0];
    await t.http.post(`${session.body.path}/answer`.replace('/decisions/', '/members/me/decisions/')).set('Cookie', cookie).set('X-CSRF-Token', session.body.csrfToken).send({ option: 'confirm' }).expect(200);
    await eventually(async () => {
      const j = await job();
      return j.status === 'confirmed' && j.payment === 'paid' ? true : undefined;
    }, 30_000);

    // The node owner's statement (through the node's pages, and the member's own): the pay in words, the balance after it.
    const ownerToken = await memberToken(owner.id);
    const asOwner = { Authorization: `Bearer ${ownerToken}` };
    const title = `20 ${HOSTILE_UNIT} (milling-st)`;
    const st = (await t.http.get(`/members/me/nodes/${shop.id}/statement`).set(asOwner).expect(200)).body;
    expect(st).toMatchObject({ currency: 'EUR', opening: '0', closing: '48000', total: 1, nextCursor: null });
    expect(st.items).toEqual([
      expect.objectContaining({ kind: 'job-pay', description: `Paid for job “${title}” for “${HOSTILE_PROJECT}”`, counterparty: `Project “${HOSTILE_PROJECT}”`, jobId: id, jobNodeId: shop.id, jobPaid: true, amount: '48000', balanceAfter: '48000' }),
    ]);
    expect((await t.http.get('/members/me/statement').set(asOwner).expect(200)).body.items).toEqual(st.items);
    // A period that ends before the pay: nothing in it, closing 0.
    const before = (await t.http.get('/members/me/statement').query({ to: new Date(Date.parse(st.items[0].at) - 1).toISOString() }).set(asOwner).expect(200)).body;
    expect(before).toMatchObject({ opening: '0', closing: '0', total: 0, items: [] });
    expect((await t.http.get('/members/me/statement').query({ cursor: 'bm90LWEtY3Vyc29y' }).set(asOwner).expect(400)).body.code).toBe('validation_failed');

    // The project's statement: the money in, the price reserved; one entry a page, the balance right on each.
    const p1 = (await t.http.get(`/admin/projects/${projectId}/statement`).query({ limit: 1 }).set(auth).expect(200)).body;
    expect(p1).toMatchObject({ currency: 'EUR', opening: '0', closing: '12000', total: 2 });
    expect(p1.items.map((e: { kind: string; description: string; amount: string; balanceAfter: string }) => [e.kind, e.description, e.amount, e.balanceAfter])).toEqual([
      ['job-reserve', `Price reserved for job “${title}”`, '-48000', '12000'],
    ]);
    const p2 = (await t.http.get(`/admin/projects/${projectId}/statement`).query({ limit: 1, cursor: p1.nextCursor }).set(auth).expect(200)).body;
    expect(p2.items.map((e: { kind: string; description: string; amount: string; balanceAfter: string }) => [e.kind, e.description, e.amount, e.balanceAfter])).toEqual([
      ['transfer', 'Transfer from Bea', '60000', '60000'],
    ]);
    expect(p2.nextCursor).toBeNull();
    expect((await t.http.get(`/admin/projects/00000000-0000-4000-8000-000000000000/statement`).set(auth).expect(404)).body.code).toBe('not_found');

    // The receipt, for the owner through the node's pages and for a coordinator: the same page.
    const res = await t.http.get(`/members/me/nodes/${shop.id}/jobs/${id}/receipt`).set(asOwner).expect(200);
    expect(res.headers['content-type']).toContain('text/html');
    expect(res.headers['content-security-policy']).toContain("default-src 'none'");
    const receipt = res.text;
    expect((await t.http.get(`/admin/jobs/${id}/receipt`).set(auth).expect(200)).text).toBe(receipt);
    const field = (name: string) => new RegExp(`data-field="${name}"[^>]*>([^<]*)<`).exec(receipt)?.[1];
    const [entry] = await t.db.query<{ id: string; transaction_id: string; created_at: Date }>(
      `SELECT e.id::text, e.transaction_id, t.created_at FROM ledger_entries e JOIN ledger_transactions t ON t.id = e.transaction_id WHERE t.idempotency_key = $1 AND e.amount > 0`,
      [`job:${id}:pay:1`],
    );
    expect(field('number')).toBe(`DPN-R-${entry.id.padStart(8, '0')}`);
    expect(field('paid-on')).toBe(entry.created_at.toISOString().slice(0, 10));
    expect(field('transaction')).toBe(entry.transaction_id);
    expect(field('payee')).toBe('Olga');
    expect(field('amount')).toBe(new Intl.NumberFormat('en', { style: 'currency', currency: 'EUR' }).format(480));
    expect(field('amount')).toBe('€480.00');
    expect(field('made')).toBe(`18 ${HOSTILE_UNIT.replace(/</g, '&lt;').replace(/>/g, '&gt;')}`);
    // Every name from a person escaped: no tag of theirs in the page.
    expect(field('payer')).toBe('&lt;script&gt;alert(&quot;p&quot;)&lt;/script&gt; &amp; Co');
    expect(field('title')).toBe('20 &lt;img src=x onerror=alert(1)&gt; (milling-st)');
    expect(receipt).not.toContain('<script');
    expect(receipt).not.toContain('<img');

    // Someone else: another member (404, nothing learnt), the owner through another of their nodes (404), a node token (401).
    const stranger = await member('Sven');
    const asStranger = { Authorization: `Bearer ${await memberToken(stranger.id)}` };
    expect((await t.http.get(`/members/me/nodes/${shop.id}/jobs/${id}/receipt`).set(asStranger).expect(404)).body.code).toBe('not_found');
    expect((await t.http.get(`/members/me/nodes/${shop.id}/statement`).set(asStranger).expect(404)).body.code).toBe('not_found');
    expect((await t.http.get(`/members/me/nodes/${otherShop.id}/jobs/${id}/receipt`).set(asOwner).expect(404)).body.code).toBe('not_found');
    await t.http.get(`/admin/jobs/${id}/receipt`).set(asOwner).expect(401);
    // The stranger's own statement knows nothing of it.
    expect((await t.http.get('/members/me/statement').set(asStranger).expect(200)).body).toMatchObject({ accountId: null, total: 0, items: [] });

    // A viewer of the console, signed in from her invitation: she reads the project's statement and
    // the receipt as a coordinator does, and may change nothing (settling the job is refused).
    const viewerEmail = `vera-st-${seq++}@example.org`;
    await t.http.post('/admin/coordinators').set(auth).send({ name: 'Vera', email: viewerEmail, role: 'viewer' }).expect(201);
    const invitation = await eventually(async () => (await t.mail.messages()).find((m) => m.envelopeTo.includes(viewerEmail) && m.subject === 'You are invited to the DPN coordinator console'), 20_000);
    const signedIn = await t.http.post('/session/coordinator').send({ link: /#console-link=([\w.-]+)/.exec(invitation.text)![1] }).expect(200);
    const asViewer = { Cookie: (signedIn.headers['set-cookie'] as unknown as string[])[0].split(';')[0], 'X-CSRF-Token': signedIn.body.csrfToken as string };
    expect((await t.http.get(`/admin/projects/${projectId}/statement`).query({ limit: 1 }).set(asViewer).expect(200)).body).toEqual(p1);
    expect((await t.http.get(`/admin/jobs/${id}/receipt`).set(asViewer).expect(200)).text).toBe(receipt);
    const refused = await t.http.post(`/admin/jobs/${id}/settle`).set(asViewer).send({ outcome: 'release' }).expect(403);
    expect(refused.body.code).toBe('forbidden_role');
    expect((await job()).payment).toBe('paid');
  });
});
