/**
 * The operator's buy-out over HTTP (real API, worker, PostgreSQL and Temporal dev server): bad
 * terms are problem documents with codes and write nothing; an agreement starts its workflow,
 * which takes pause, resume and end (with who and why) as Updates, refusing a pause that the
 * state does not allow; one running agreement per asset; the coordinator and each party read it.
 * The quarterly step itself (parts and money) is covered on PostgreSQL
 * (test/integration/buyouts.repository.spec.ts) and across years on the time-skipping server
 * (test/workflows/buyout.spec.ts).
 */
import { buyoutWorkflowId } from '@app/contracts';
import { ADMIN_TOKEN, eventually, useTestSystem } from '../support/stack';

const auth = { Authorization: `Bearer ${ADMIN_TOKEN}` };

describe('the operator’s buy-out', () => {
  const t = useTestSystem();
  let seq = 0;

  const member = async (name: string) => {
    const m = (await t.http.post('/admin/members').set(auth).send({ name, email: `${name.toLowerCase()}-${seq++}@example.org` }).expect(201)).body;
    const token = (await t.http.post(`/admin/members/${m.id}/tokens`).set(auth).send({ name: 'e2e' }).expect(201)).body.token as string;
    return { id: m.id as string, bearer: `Bearer ${token}` };
  };

  it('records an agreement, refuses bad terms with codes, and takes pause, resume and end through its workflow', async () => {
    const [olga, ann, ben, stranger] = [await member('Olga'), await member('Ann'), await member('Ben'), await member('Stranger')];
    const asset = (
      await t.http
        .post('/admin/assets')
        .set(auth)
        .send({
          name: 'Greenhouse',
          kind: 'greenhouse',
          identifier: `GH-B-${seq++}`,
          totalParts: '100',
          owners: [
            { memberId: olga.id, parts: '20', outputParts: '30' },
            { memberId: ann.id, parts: '50', outputParts: '45' },
            { memberId: ben.id, parts: '30', outputParts: '25' },
          ],
        })
        .expect(201)
    ).body as { id: string };
    const tomatoes = { id: 'tomatoes', name: 'Tomatoes', unit: 'crate', capacityPerUnit: 2, leadTimeDays: 70, capability: 'greenhouse', sale: { unitPrice: '450', fixedUnits: 10 } };
    await t.http.put(`/admin/assets/${asset.id}/catalogue`).set(auth).send({ timeZone: 'Europe/Berlin', quarterlyCapacity: 100, capacityUnit: 'm2', products: [tomatoes], saleCurrency: 'EUR' }).expect(200);

    const good = { operatorMemberId: olga.id, targetParts: '60', pricePerPart: '150', currency: 'EUR', funding: 'fixed', fixedAmount: '1500', source: 'pro-rata' };
    const agree = (body: object) => t.http.post(`/admin/assets/${asset.id}/buyouts`).set(auth).send(body);
    for (const [body, field] of [
      [{ ...good, pricePerPart: '1.5' }, 'pricePerPart'],
      [{ ...good, pricePerPart: '0' }, 'pricePerPart'],
      [{ ...good, pricePerPart: '-150' }, 'pricePerPart'],
      [{ ...good, targetParts: '60.5' }, 'targetParts'],
      [{ ...good, fixedAmount: undefined }, 'fixedAmount'],
      [{ ...good, source: 'offered' }, 'offers'],
      [{ ...good, funding: 'bonus' }, 'funding'],
    ] as Array<[object, string]>) {
      const r = await agree(body).expect(400);
      expect(r.headers['content-type']).toContain('application/problem+json');
      expect(r.body.code).toBe('validation_failed');
      expect(r.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    }
    expect((await agree({ ...good, targetParts: '101' }).expect(422)).body).toMatchObject({ code: 'target_above_total', totalParts: '100' });
    expect((await agree({ ...good, targetParts: '20' }).expect(422)).body).toMatchObject({ code: 'target_not_above_owned', operatorParts: '20' });
    expect((await agree({ ...good, currency: 'USD' }).expect(422)).body).toMatchObject({ code: 'currency_mismatch', currency: 'EUR', asked: 'USD' });
    expect((await agree({ ...good, operatorMemberId: stranger.id }).expect(422)).body.code).toBe('operator_not_owner');
    expect((await agree({ ...good, operatorMemberId: '00000000-0000-4000-8000-000000000000' }).expect(422)).body.code).toBe('operator_not_member');
    expect((await agree({ ...good, source: 'offered', offers: [{ memberId: ann.id, parts: '51' }] }).expect(422)).body.code).toBe('invalid_offer');
    expect((await t.http.get(`/admin/assets/${asset.id}/buyouts`).set(auth).expect(200)).body.total).toBe(0);

    const created = await t.http.post(`/admin/assets/${asset.id}/buyouts`).set(auth).set('Idempotency-Key', 'agree-1').send(good).expect(201);
    const id = created.body.id as string;
    expect(created.body).toMatchObject({ status: 'active', operatorParts: '20', targetParts: '60', claimParts: '40', claimAmount: '6000', recordedBy: 'coordinator' });
    const again = await t.http.post(`/admin/assets/${asset.id}/buyouts`).set(auth).set('Idempotency-Key', 'agree-1').send(good).expect(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body.id).toBe(id);
    expect((await agree(good).expect(409)).body).toMatchObject({ code: 'buyout_exists', agreementId: id });
    // Its workflow runs, waiting for the quarter's end.
    await eventually(async () => (await t.sys.temporal.workflow.getHandle(buyoutWorkflowId(id)).describe()).status.name === 'RUNNING');

    const change = (action: string, reason = 'agreed at the owners’ meeting') => t.http.post(`/admin/buyouts/${id}/${action}`).set(auth).send({ reason });
    expect((await change('pause', '').expect(400)).body.errors[0].field).toBe('reason');
    expect((await change('stop').expect(404)).body.code).toBe('not_found');
    expect((await change('pause', 'repairs this quarter').expect(200)).body).toMatchObject({ status: 'paused', changesThisRun: 1 });
    expect((await change('pause').expect(409)).body.code).toBe('buyout_not_active');
    expect((await change('resume', 'repairs done').expect(200)).body.status).toBe('active');
    expect((await change('resume').expect(409)).body.code).toBe('buyout_not_paused');

    const detail = (await t.http.get(`/admin/buyouts/${id}`).set(auth).expect(200)).body;
    expect(detail).toMatchObject({ status: 'active', stepsTotal: 0, claimsTotal: 2 });
    expect(detail.claims).toEqual([
      { memberId: ann.id, memberName: 'Ann', parts: '25', amount: '3750' },
      { memberId: ben.id, memberName: 'Ben', parts: '15', amount: '2250' },
    ]);
    expect(detail.changes.map((c: { action: string; by: string; reason: string }) => [c.action, c.by, c.reason])).toEqual([
      ['resume', 'coordinator', 'repairs done'],
      ['pause', 'coordinator', 'repairs this quarter'],
    ]);
    // Each party sees it with their part; someone else sees nothing.
    const annSees = (await t.http.get('/members/me/buyouts').set('Authorization', ann.bearer).expect(200)).body;
    expect(annSees.items).toEqual([expect.objectContaining({ id, role: 'seller', myClaimParts: '25', myClaimAmount: '3750', myParts: '0' })]);
    expect((await t.http.get('/members/me/buyouts').set('Authorization', olga.bearer).expect(200)).body.items).toEqual([expect.objectContaining({ id, role: 'operator', myClaimParts: '0' })]);
    expect((await t.http.get('/members/me/buyouts').set('Authorization', stranger.bearer).expect(200)).body.total).toBe(0);

    // Ended by agreement: the workflow finishes, the claim ends, nothing can change it again.
    expect((await change('end', 'the operator sells the node').expect(200)).body.status).toBe('ended');
    expect(await t.sys.temporal.workflow.getHandle(buyoutWorkflowId(id)).result()).toBe('ended');
    expect((await change('pause').expect(409)).body.code).toBe('buyout_ended');
    expect((await t.http.get(`/admin/buyouts/${id}`).set(auth).expect(200)).body).toMatchObject({ status: 'ended', claimsTotal: 0, claimParts: '0' });
    // Another agreement may follow.
    const next = (await agree({ ...good, targetParts: '40' }).expect(201)).body;
    expect(next.status).toBe('active');
    expect((await t.http.get(`/admin/assets/${asset.id}/buyouts`).set(auth).expect(200)).body.total).toBe(2);
    // Its workflow is gone (as if its start had failed when it was agreed): the first change starts it again, then applies.
    await t.sys.temporal.workflow.getHandle(buyoutWorkflowId(next.id)).terminate('lost');
    expect((await t.http.post(`/admin/buyouts/${next.id}/pause`).set(auth).send({ reason: 'harvest first' }).expect(200)).body).toMatchObject({ status: 'paused', quarter: next.firstQuarter });
    await t.http.post(`/admin/buyouts/${next.id}/end`).set(auth).send({ reason: 'test over' }).expect(200);
    expect(await t.sys.temporal.workflow.getHandle(buyoutWorkflowId(next.id)).result()).toBe('ended');
  });
});
