/**
 * Production flows in a real browser (Debian's Chromium, playwright-core) against the real stack:
 * the API serving the built app, the worker running the flow, PostgreSQL, the Temporal dev server,
 * a real SMTP server and three real node receivers (a maker, a carrier, an assembler) that accept
 * their offers and confirm their hand-offs through the node API. The coordinator sees the flow as
 * a picture while its cut parts are on the carrier's leg; the member confirms the shelves from
 * /me/handoffs (more than was sent is refused first, in words) and reads their trace back to the
 * maker; the console shows the delivered flow, its lot's trace, the project's flows and a
 * recipe's problems in words.
 *
 * DPN_SCREENSHOTS=<dir> also saves the pages at 1280 and 375 px wide (to look at them).
 */
import { Browser, BrowserContext, Page } from 'playwright-core';
import { describeInChromium, launchChromium } from '../support/chromium';
import { createReceiver, useNodeReceivers } from '../support/node-receivers';
import { screenshot } from '../support/screenshots';
import { ADMIN_TOKEN, eventually, useTestSystem } from '../support/stack';

const auth = { Authorization: `Bearer ${ADMIN_TOKEN}` };
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describeInChromium('flows-browser.spec')('production flows in a real browser', () => {
  const contexts: BrowserContext[] = [];
  let browser: Browser | undefined;
  // Before the system's own afterAll: the pages poll the API, which closes only once nothing calls it.
  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
  });
  const t = useTestSystem({ mail: true });
  const receivers = useNodeReceivers(t);
  let seq = 0;

  beforeAll(async () => {
    browser = await launchChromium();
  });

  const newPage = async (): Promise<Page> => {
    const context = await browser!.newContext({ locale: 'en-GB', timezoneId: 'Europe/Berlin', viewport: { width: 1280, height: 900 } });
    contexts.push(context);
    return context.newPage();
  };
  const member = async (name: string) => {
    const m = (await t.http.post('/admin/members').set(auth).send({ name, email: `${name.split(' ')[0].toLowerCase()}-fb-${seq++}@example.org` }).expect(201)).body as { id: string; email: string };
    return m;
  };
  const location = async (name: string) => (await t.http.post('/admin/locations').set(auth).send({ name, kind: 'industrial-park', address: `${name} 1, Leipzig` }).expect(201)).body.id as string;
  /** A node whose reference receiver accepts every offer and confirms every hand-off to it. */
  const node = async (name: string, body: Json) => {
    const owner = await member(`${name} Owner`);
    const created = await t.http
      .post('/admin/nodes')
      .set(auth)
      .send({ name, ownerMemberId: owner.id, automationLevel: 'automated', webhookUrl: 'https://placeholder.example/hook', ...body })
      .expect(201);
    const nodeId = created.body.id as string;
    const token = (await t.http.post(`/admin/nodes/${nodeId}/tokens`).set(auth).send({ name: 'receiver' }).expect(201)).body.token as string;
    const api = { apiUrl: receivers.api, token };
    const receiver = createReceiver({
      secrets: [created.body.webhookSecret],
      answerOffers: { ...api, decide: () => 'accept' },
      answerHandoffs: { ...api, decide: () => ({ accepted: true, note: `checked at ${name}` }) },
      log: () => undefined,
    });
    await t.http.patch(`/admin/nodes/${nodeId}`).set(auth).send({ webhookUrl: await receivers.listen(receiver) }).expect(200);
    return { nodeId, bearer: { Authorization: `Bearer ${token}` } };
  };
  const signIn = async (email: string): Promise<Page> => {
    const page = await newPage();
    await page.goto(`${receivers.api}/signin`);
    await page.getByLabel('Email').fill(email);
    await page.getByRole('button', { name: 'Email me a sign-in link' }).click();
    const mail = await eventually(async () => (await t.mail.messages()).filter((m) => m.envelopeTo.includes(email) && m.subject === 'Your sign-in link for DPN').at(-1), 20_000);
    const link = new URL(/https?:\/\/\S+#link=[\w.-]+/.exec(mail.text)![0]);
    await page.goto(`${receivers.api}${link.pathname}${link.hash}`);
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
    return page;
  };
  const openConsole = async (): Promise<Page> => {
    const page = await newPage();
    await page.goto(`${receivers.api}/console`);
    await page.getByText('Operations: open with the bootstrap token').click();
    await page.getByLabel('Bootstrap token (ADMIN_TOKEN)').fill(ADMIN_TOKEN);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'The network' }).waitFor();
    return page;
  };

  it('shows the flow as a picture while it runs, lets the member confirm and trace the shelves, and the console the delivered flow and its lots', async () => {
    const a = await location('Workshop A');
    const b = await location('Fab lab B');
    const maker = await node('Maker Workshop', { locationId: a, capabilities: [{ function: 'cnc-milling', capacity: 100, unit: 'parts/day' }] });
    const assembler = await node('Fab Lab B', { locationId: b, capabilities: [{ function: 'assembly', capacity: 50, unit: 'parts/day' }] });
    const carrier = await node('Crate Carrier', { locationId: a, capabilities: [{ function: 'transport', capacity: 10, unit: 'crates/day' }], flowTypes: ['crate'], servedLocationIds: [a, b] });
    const mia = await member('Mia Berg');
    const projectId = (await t.http.post('/admin/projects').set(auth).send({ name: 'Shelves for the library' }).expect(201)).body.id as string;
    const recipe = (
      await t.http
        .post('/admin/recipes')
        .set(auth)
        .send({
          name: 'Shelf',
          steps: [
            { key: 'cut', capability: 'cnc-milling', produces: { item: 'shelf-side', unit: 'pcs' }, inputs: [], leadTimeHours: 48, flowType: 'crate' },
            { key: 'assemble', capability: 'assembly', produces: { item: 'shelf', unit: 'pcs' }, inputs: [{ step: 'cut', perUnit: 2, unit: 'pcs' }], leadTimeHours: 24 },
          ],
        })
        .expect(201)
    ).body as { id: string };
    const flowId = (
      await t.http
        .post('/admin/flows')
        .set(auth)
        .set('Idempotency-Key', `fb-${projectId}`)
        .send({ recipeId: recipe.id, quantity: 5, dueAt: new Date(Date.now() + 10 * 86_400_000).toISOString(), recipient: { type: 'member', id: mia.id }, demand: { type: 'project', id: projectId } })
        .expect(201)
    ).body.id as string;
    const flow = async () => (await t.http.get(`/admin/flows/${flowId}`).set(auth).expect(200)).body as Json;
    const step = async (key: string) => ((await flow()).steps as Json[]).find((s) => s.key === key)!;

    // The maker takes the cut and makes 10 sides; the carrier takes them towards the fab lab.
    const cut = await eventually(async () => {
      const s = await step('cut');
      return s.status === 'accepted' && s.jobId ? s : undefined;
    }, 30_000);
    await t.http.post(`/nodes/me/jobs/${cut.jobId}/complete`).set(maker.bearer).send({ made: 10, scrapped: 0 }).expect(200);
    const leg = await eventually(async () => {
      const l = ((await flow()).legs as Json[])[0];
      return l && ['accepted', 'picked-up'].includes(l.status) && l.jobId ? l : undefined;
    }, 30_000);

    // The coordinator sees it as a picture: the cut done, the leg with its carrier, the assembly taken.
    const desk = await openConsole();
    await desk.goto(`${receivers.api}/console/flows/${flowId}`);
    const diagram = desk.getByRole('img', { name: 'The flow of Shelf: 2 steps to the recipient' });
    await diagram.waitFor();
    await desk.getByRole('table', { name: 'How the steps’ outputs move' }).getByText(/carried by Crate Carrier as crate, 10 pcs/).waitFor();
    expect(await desk.getByRole('table', { name: 'Steps of the flow' }).getByRole('row').nth(1).textContent()).toContain('Maker Workshop');
    await screenshot(desk, 'flow-running');

    // The carrier delivers; the assembler confirms, makes 5 shelves; they are handed to Mia.
    await t.http.post(`/nodes/me/jobs/${leg.jobId}/complete`).set(carrier.bearer).send({ made: 10, scrapped: 0 }).expect(200);
    const assemble = await eventually(async () => {
      const s = await step('assemble');
      return ['accepted', 'offered'].includes(s.status) && s.jobId && ((await flow()).legs as Json[])[0].status === 'received' ? s : undefined;
    }, 30_000);
    expect(assemble.nodeId).toBe(assembler.nodeId);
    await t.http.post(`/nodes/me/jobs/${assemble.jobId}/complete`).set(assembler.bearer).send({ made: 5, scrapped: 0 }).expect(200);
    // Mia has no location: the shelves go to her on a leg too, with the same carrier.
    const last = await eventually(async () => {
      const l = ((await flow()).legs as Json[]).find((x) => x.toStep === null);
      return l && l.status === 'picked-up' && l.jobId ? l : undefined;
    }, 30_000);
    await t.http.post(`/nodes/me/jobs/${last.jobId}/complete`).set(carrier.bearer).send({ made: 5, scrapped: 0 }).expect(200);

    // Mia is handed the shelves (and told by email); she sees them on her agenda and answers on /me/handoffs: more than was sent is refused in words first.
    const miaToken = (await t.http.post(`/admin/members/${mia.id}/tokens`).set(auth).send({ name: 'e2e' }).expect(201)).body.token as string;
    await eventually(async () => ((await t.http.get('/members/me/handoffs?status=pending').set('Authorization', `Bearer ${miaToken}`).expect(200)).body.total === 1 ? true : undefined), 30_000);
    const page = await signIn(mia.email);
    await page.getByRole('heading', { name: /Hand-offs to confirm \(1\)/ }).waitFor({ timeout: 30_000 });
    await screenshot(page, 'flow-agenda');
    await page.getByRole('link', { name: /5 from Crate Carrier/ }).click();
    const form = page.getByRole('form', { name: 'Answer the hand-off from Crate Carrier' });
    await form.getByText('5 pcs sent by Crate Carrier').waitFor();
    await form.getByLabel('How many arrived').fill('6');
    await form.getByRole('button', { name: 'Confirm receipt' }).click();
    await form.getByRole('alert').filter({ hasText: 'At most 5: that is what was sent' }).waitFor();
    await screenshot(page, 'flow-handoffs');
    await form.getByLabel('How many arrived').fill('');
    await form.getByLabel('Note (optional)').fill('all five, well made');
    await form.getByRole('button', { name: 'Confirm receipt' }).click();
    await page.getByRole('status').filter({ hasText: 'You confirmed 5 pcs from Crate Carrier.' }).waitFor();
    await eventually(async () => ((await flow()).status === 'delivered' ? true : undefined), 30_000);

    // Her shelves' trace: back through the assembler, the carrier and the maker.
    await page.getByRole('table', { name: 'Your hand-offs' }).getByRole('link', { name: /trace/ }).first().click();
    const mine = page.getByRole('list', { name: 'This lot' });
    await mine.getByText(/Fab Lab B → Crate Carrier: 5 pcs sent, 5 received; confirmed by Crate Carrier/).waitFor();
    await mine.getByText(/Crate Carrier → Mia Berg: 5 pcs sent, 5 received; confirmed by Mia Berg/).waitFor();
    const from = page.getByRole('list', { name: 'Lots it was made from' });
    await from.getByText(/Maker Workshop → Crate Carrier: 10 pcs sent, 10 received; confirmed by Crate Carrier/).waitFor();
    await from.getByText(/Crate Carrier → Fab Lab B: 10 pcs sent, 10 received; confirmed by Fab Lab B/).waitFor();
    await screenshot(page, 'flow-my-lot');

    // The console: the delivered flow, the cut parts' trace forward to Mia, the project's flows.
    await desk.goto(`${receivers.api}/console/flows/${flowId}`);
    await desk.getByText('Delivered', { exact: true }).first().waitFor();
    await screenshot(desk, 'flow-delivered');
    const sides = (await flow()).legs[0].lotId as string;
    await desk.goto(`${receivers.api}/console/lots/${sides}`);
    await desk.getByRole('list', { name: 'Lots it went into' }).getByText('Delivered to Mia Berg.').waitFor();
    await screenshot(desk, 'flow-lot');
    await desk.goto(`${receivers.api}/console/projects/${projectId}`);
    const flows = desk.getByRole('table', { name: 'Production flows of the project' });
    await flows.getByRole('link', { name: 'Shelf' }).waitFor();
    expect(await flows.getByRole('row').nth(1).textContent()).toContain('2 of 2');

    // A recipe with a cycle and an unknown input: its problems in words, nothing saved.
    await desk.goto(`${receivers.api}/console/recipes`);
    const text = desk.getByLabel('The recipe, as JSON');
    await text.fill(
      JSON.stringify({
        name: 'Loop',
        steps: [
          { key: 'a', capability: 'cnc-milling', produces: { item: 'x', unit: 'pcs' }, inputs: [{ step: 'b', perUnit: 1, unit: 'pcs' }], leadTimeHours: 1 },
          { key: 'b', capability: 'assembly', produces: { item: 'y', unit: 'pcs' }, inputs: [{ step: 'a', perUnit: 1, unit: 'pcs' }, { step: 'glue', perUnit: 1, unit: 'pcs' }], leadTimeHours: 1 },
        ],
      }),
    );
    await desk.getByRole('button', { name: 'Check' }).click();
    const problems = desk.getByRole('alert').filter({ hasText: 'The recipe has' });
    await problems.getByText(/Steps wait for each other in a circle/).waitFor();
    await problems.getByText(/An input names a step that is not in the recipe/).waitFor();
    await screenshot(desk, 'flow-recipes');
    expect((await t.http.get('/admin/recipes').set(auth).expect(200)).body.total).toBe(1);
  }, 240_000);
});
