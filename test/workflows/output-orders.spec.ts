/**
 * outputOrderCycleWorkflow on the time-skipping test server: a whole year of four quarters in
 * seconds, with an owner who changes their order, one with a standing order and one who never
 * answers; each quarter continues as new, and the recorded runs replay across the continue-as-new.
 */
import { Worker } from '@temporalio/worker';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { OrderActivities } from '../../apps/worker/src/activities/order.activities';
import { CatalogueProduct, getOrderCycleQuery, nextQuarter, OrderRejection, orderCycleWorkflowId, PlanLine, placeOrderUpdate, QuarterPlan } from '@app/contracts';
import { nextOpenQuarter, quarterWindow } from '@app/domain';
import { outputOrderCycleWorkflow } from '../../workflows';
import { updateRefusal, useTimeSkipping } from '../support/temporal';

type Activities = { [K in keyof OrderActivities]: OrderActivities[K] };
const HOUR = 3_600_000;

const CATALOGUE: CatalogueProduct[] = [
  { id: 'tomatoes', name: 'Tomatoes', unit: 'crate', capacityPerUnit: 2, leadTimeDays: 70, capability: 'greenhouse' },
  { id: 'salad', name: 'Salad', unit: 'crate', capacityPerUnit: 1, leadTimeDays: 30, capability: 'greenhouse' },
  { id: 'cucumbers', name: 'Cucumbers', unit: 'crate', capacityPerUnit: 4, leadTimeDays: 50, capability: 'greenhouse' },
];
// Output shares 50 / 30 / 20 of a greenhouse with 100 m² of beds per quarter.
const OWNERS = [
  { memberId: 'ann', weight: '50' },
  { memberId: 'ben', weight: '30' },
  { memberId: 'cem', weight: '20' },
];

describe('outputOrderCycleWorkflow', () => {
  const ts = useTimeSkipping();
  const refusal = async (p: Promise<unknown>) => (await updateRefusal(p)).type;

  it('runs a year of four quarters: windows, orders, reminders, allocation, plans, jobs, continue-as-new', async () => {
    const assetId = randomUUID();
    const taskQueue = `wf-${randomUUID()}`;
    const mails: string[] = [];
    const plans: QuarterPlan[] = [];
    const jobs: Array<{ quarter: string; lines: PlanLine[] }> = [];
    const sentToNode: string[] = [];
    const acts: Activities = {
      quarterWindowFor: async ({ quarter }) => {
        const w = quarterWindow(quarter, 'Europe/Berlin');
        return { quarter, opensAt: w.opensAt.toISOString(), closesAt: w.closesAt.toISOString(), startsAt: w.startsAt.toISOString(), timeZone: 'Europe/Berlin' };
      },
      openQuarter: async ({ window }) => ({ window, catalogue: CATALOGUE, capacity: 100, capacityUnit: 'm2', nodeId: 'greenhouse-node', owners: OWNERS }),
      recordOrders: async () => undefined,
      recordPlan: async ({ plan }) => {
        plans.push(plan);
        return randomUUID();
      },
      sendPlanToNode: async ({ quarter }) => {
        sentToNode.push(quarter);
      },
      dispatchOrderJobs: async ({ quarter, lines }) => {
        // (window and catalogue come as they were when the window opened)
        jobs.push({ quarter, lines });
        return lines.length;
      },
      sendOrderMail: async ({ quarter, memberId, kind }) => {
        mails.push(`${quarter}:${kind}:${memberId}`);
      },
    };
    const worker = await Worker.create({ connection: ts.env.nativeConnection, taskQueue, workflowBundle: ts.bundle, activities: acts });
    await worker.runUntil(async () => {
      // The quarter after the next open one: its window is always still ahead, whatever today is.
      const first = nextQuarter(nextOpenQuarter(new Date(await ts.env.currentTimeMs()), 'Europe/Berlin'));
      const start = await ts.env.client.workflow.start(outputOrderCycleWorkflow, {
        taskQueue,
        workflowId: orderCycleWorkflowId(assetId),
        args: [{ assetId, quarter: first, standingOrders: {}, quartersDone: 0 }],
      });
      const h = ts.env.client.workflow.getHandle(orderCycleWorkflowId(assetId)); // follows the runs
      const quarters: string[] = [];
      for (let i = 0; i < 4; i++) {
        const view = async () => h.query(getOrderCycleQuery);
        let v = await view();
        for (let k = 0; k < 50 && v.window === null; k++) v = await view();
        quarters.push(v.quarter);
        const w = quarterWindow(v.quarter, 'Europe/Berlin');
        // Before the window opens, orders are refused.
        if (i === 0) expect(await refusal(h.executeUpdate(placeOrderUpdate, { args: [{ memberId: 'ann', lines: [], standing: false }] }))).toBe(OrderRejection.WindowClosed);
        await ts.env.sleep(w.opensAt.getTime() - (await ts.env.currentTimeMs()) + HOUR);
        if (i === 0) {
          // Bad input: not an owner, a product not in the catalogue, a negative quantity.
          expect(await refusal(h.executeUpdate(placeOrderUpdate, { args: [{ memberId: 'zoe', lines: [], standing: false }] }))).toBe(OrderRejection.NotOwner);
          expect(await refusal(h.executeUpdate(placeOrderUpdate, { args: [{ memberId: 'ann', lines: [{ productId: 'melons', quantity: 1 }], standing: false }] }))).toBe(OrderRejection.UnknownProduct);
          expect(await refusal(h.executeUpdate(placeOrderUpdate, { args: [{ memberId: 'ann', lines: [{ productId: 'salad', quantity: -1 }], standing: false }] }))).toBe(OrderRejection.InvalidQuantity);
          await h.executeUpdate(placeOrderUpdate, { args: [{ memberId: 'ann', lines: [{ productId: 'tomatoes', quantity: 30 }], standing: false }] });
          await h.executeUpdate(placeOrderUpdate, { args: [{ memberId: 'cem', lines: [{ productId: 'salad', quantity: 10 }], standing: true }] });
        }
        if (i === 1) {
          // Ann changes her order: first one thing, then another (the last one counts).
          await h.executeUpdate(placeOrderUpdate, { args: [{ memberId: 'ann', lines: [{ productId: 'tomatoes', quantity: 50 }], standing: false }] });
          await h.executeUpdate(placeOrderUpdate, { args: [{ memberId: 'ann', lines: [{ productId: 'tomatoes', quantity: 10 }, { productId: 'cucumbers', quantity: 5 }], standing: false }] });
        }
        await ts.env.sleep(w.closesAt.getTime() - (await ts.env.currentTimeMs()) + HOUR);
        for (let k = 0; k < 100 && jobs.length < i + 1; k++) await new Promise((r) => setTimeout(r, 50));
        // After the close, orders for that quarter are refused (the next run's window is not open yet).
        if (i === 0) expect(await refusal(h.executeUpdate(placeOrderUpdate, { args: [{ memberId: 'ben', lines: [], standing: false }] }))).toBe(OrderRejection.WindowClosed);
      }

      // Q1: Ann 60 m² (over her 50: the rest of Ben's unused share), Cem 10; Ben never answers.
      expect(plans[0].capacityByOwner).toEqual({ ann: 60, ben: 0, cem: 10 });
      expect(plans[0].spare).toBe(30);
      expect(jobs[0].lines).toEqual([
        { memberId: 'ann', productId: 'tomatoes', requested: 30, granted: 30 },
        { memberId: 'cem', productId: 'salad', requested: 10, granted: 10 },
      ]);
      expect(plans[0].spare).toBe(30);
      // Q2: Ann's changed order; Cem's standing order repeats.
      expect(jobs[1].lines).toEqual([
        { memberId: 'ann', productId: 'tomatoes', requested: 10, granted: 10 },
        { memberId: 'ann', productId: 'cucumbers', requested: 5, granted: 5 },
        { memberId: 'cem', productId: 'salad', requested: 10, granted: 10 },
      ]);
      // Q3, Q4: nobody orders; only Cem's standing order stands.
      expect(jobs[2].lines).toEqual([{ memberId: 'cem', productId: 'salad', requested: 10, granted: 10 }]);
      expect(jobs[3].lines).toEqual([{ memberId: 'cem', productId: 'salad', requested: 10, granted: 10 }]);
      expect(sentToNode).toEqual(quarters);
      // Every owner is prompted; only those who have not ordered are reminded.
      expect(mails.filter((m) => m.startsWith(`${quarters[0]}:opened`))).toHaveLength(3);
      expect(mails.filter((m) => m.startsWith(`${quarters[0]}:reminder`)).sort()).toEqual([`${quarters[0]}:reminder:ben`]);
      // Cem's standing order counts as an order: only Ben, who never answers, is reminded.
      expect(mails.filter((m) => m.startsWith(`${quarters[1]}:reminder`)).sort()).toEqual([`${quarters[1]}:reminder:ben`]);
      // Once the plan is made, every owner is told what they get (those who asked for nothing too).
      for (const q of quarters) expect(mails.filter((m) => m.startsWith(`${q}:allocated`)).sort()).toEqual([`${q}:allocated:ann`, `${q}:allocated:ben`, `${q}:allocated:cem`]);

      // One run per quarter: the histories stay small. They replay across the continue-as-new.
      const runs: string[] = [start.firstExecutionRunId];
      const histories = [];
      for (;;) {
        const history = await ts.env.client.workflow.getHandle(orderCycleWorkflowId(assetId), runs.at(-1)).fetchHistory();
        histories.push({ workflowId: `${orderCycleWorkflowId(assetId)}#${runs.length}`, history });
        const last = history.events?.at(-1);
        const next = last?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId;
        if (!next) break;
        runs.push(next);
      }
      expect(runs.length).toBeGreaterThanOrEqual(5);
      for (const { history } of histories.slice(0, 4)) expect(history.events!.length).toBeLessThan(150);
      const results = [];
      for await (const r of Worker.runReplayHistories({ workflowBundle: ts.bundle }, histories)) results.push(r);
      expect(results.filter((r) => r.error).map((r) => r.error?.message)).toEqual([]);
      if (process.env.DPN_RECORD_HISTORIES) {
        // `DPN_RECORD_HISTORIES=1 npx jest test/workflows/output-orders.spec.ts` refreshes the replay files.
        const dir = join(__dirname, '..', 'replay', 'histories', 'outputOrderCycleWorkflow');
        mkdirSync(dir, { recursive: true });
        // The v0.2.0 files (before the allocation mail) stay as they were recorded: they prove old runs still replay.
        histories.slice(0, 2).forEach(({ history }, i) => writeFileSync(join(dir, `quarter-${i + 1}-allocation-mail_v0.3.0.json`), JSON.stringify(JSON.parse(historyToJSON(history)), null, 2) + '\n'));
      }
      await h.terminate();
    });
  });
});
