/**
 * buyoutWorkflow: one per buy-out agreement (an asset's operator buys the other owners' parts,
 * quarter by quarter, until a target), for as many years as the agreement runs, one quarter per
 * run.
 *
 * A run waits for its quarter's end (in the asset's time zone: the instant comes from an
 * activity), runs that quarter's step (`runBuyoutStep`: one PostgreSQL transaction under the
 * asset row's lock, once per agreement and quarter, which moves the parts and the money, records
 * the step and the remaining claim and queues the emails), then continues as new with the next
 * quarter. While the quarter's income is not shared yet (an `output-bonus` agreement), the step
 * answers `not-ready` and the run tries again a day later, at most `BUYOUT_INCOME_WAIT_DAYS`
 * times, then steps without it.
 *
 * Pause, resume and end (agreed by the parties, recorded by a coordinator with who and why) are
 * the `changeBuyout` Update: its validator refuses a change the state does not allow (typed
 * refusals, `BuyoutRejection`), its handler records the change (`recordBuyoutChange`, once per
 * change id). A paused agreement moves nothing at a quarter's end; an ended or completed one
 * finishes the workflow. A run takes at most `changesPerRun` Updates, then continues as new at
 * once (the count starts again), so no run nears Temporal's 2,000.
 *
 * History per run: the quarter-end activity, one timer, the step (plus a timer and a step per day
 * of waiting for the income), and 4 events per change. Nothing carried grows with time.
 * The function name is stored in histories: never rename it.
 */
import { ApplicationFailure, allHandlersFinished, condition, continueAsNew, proxyActivities, setHandler } from '@temporalio/workflow';
import type { BuyoutActivities } from '../../apps/worker/src/activities/buyout.activities';
import {
  BUYOUT_CHANGES_PER_RUN,
  BUYOUT_INCOME_WAIT_DAYS,
  BuyoutChangeRequest,
  BuyoutRejection,
  BuyoutStatus,
  BuyoutView,
  BuyoutWorkflowInput,
  changeBuyoutUpdate,
  getBuyoutQuery,
} from '../../libs/contracts/src/buyouts';
import { CommonRejection } from '../../libs/contracts/src/failures';
import { nextQuarter } from '../../libs/contracts/src/output-orders';
import { MUST_LAND } from '../shared/activity-options';

const acts = proxyActivities<BuyoutActivities>(MUST_LAND);

const closed = (s: BuyoutStatus) => s === 'ended' || s === 'completed';

function checkChange(view: BuyoutView, req: BuyoutChangeRequest): void {
  if (!req || typeof req.reason !== 'string' || !req.reason.trim() || typeof req.by !== 'string' || !req.by || typeof req.changeId !== 'string' || !req.changeId) {
    throw ApplicationFailure.nonRetryable('a change needs who recorded it, why, and an id', CommonRejection.InvalidArgument);
  }
  if (closed(view.status)) throw ApplicationFailure.nonRetryable(`the buy-out agreement is ${view.status}: nothing can change it`, BuyoutRejection.Ended);
  if (req.action === 'pause' && view.status !== 'active') throw ApplicationFailure.nonRetryable(`the buy-out agreement is ${view.status}, not active: it cannot be paused`, BuyoutRejection.NotActive);
  if (req.action === 'resume' && view.status !== 'paused') throw ApplicationFailure.nonRetryable(`the buy-out agreement is ${view.status}, not paused: it cannot be resumed`, BuyoutRejection.NotPaused);
  if (req.action !== 'pause' && req.action !== 'resume' && req.action !== 'end') throw ApplicationFailure.nonRetryable(`unknown change ${String(req.action)}`, CommonRejection.InvalidArgument);
}

export async function buyoutWorkflow(input: BuyoutWorkflowInput): Promise<BuyoutStatus> {
  const limit = input.changesPerRun ?? BUYOUT_CHANGES_PER_RUN;
  const view: BuyoutView = { agreementId: input.agreementId, status: input.status, quarter: input.quarter, quartersDone: input.quartersDone, changesThisRun: 0 };
  setHandler(getBuyoutQuery, () => view);
  setHandler(
    changeBuyoutUpdate,
    async (req) => {
      // The state changes at once (a second change is validated against it); the record follows.
      view.status = req.action === 'pause' ? 'paused' : req.action === 'resume' ? 'active' : 'ended';
      view.changesThisRun += 1;
      await acts.recordBuyoutChange({ agreementId: input.agreementId, ...req });
      return { ...view };
    },
    { validator: (req) => checkChange(view, req) },
  );

  const finish = async (): Promise<BuyoutStatus> => {
    await condition(allHandlersFinished);
    return view.status;
  };
  const carryOn = async (quarter: string, quartersDone: number): Promise<never> => {
    await condition(allHandlersFinished);
    return continueAsNew<typeof buyoutWorkflow>({ agreementId: input.agreementId, quarter, status: view.status === 'paused' ? 'paused' : 'active', quartersDone, changesPerRun: input.changesPerRun });
  };
  const tooManyChanges = () => view.changesThisRun >= limit;

  // Wait for the quarter's end; a run that took its share of changes continues as new meanwhile.
  const { endsAt } = await acts.buyoutQuarterEnd({ agreementId: input.agreementId, quarter: input.quarter });
  const until = Date.parse(endsAt);
  for (;;) {
    const left = until - Date.now();
    if (left <= 0) break;
    const woke = await condition(() => closed(view.status) || tooManyChanges(), left);
    if (closed(view.status)) return finish();
    if (woke) return carryOn(input.quarter, input.quartersDone);
  }

  // A run that stops waiting for the income because of its changes takes the same quarter again.
  let again = false;
  if (view.status === 'active') {
    for (let day = 0; ; day += 1) {
      const r = await acts.runBuyoutStep({ agreementId: input.agreementId, quarter: input.quarter, final: day >= BUYOUT_INCOME_WAIT_DAYS });
      if (closed(r.status) && !closed(view.status)) view.status = r.status;
      if (r.outcome !== 'not-ready') break;
      // Not shared yet: a day later, unless the agreement stops meanwhile.
      await condition(() => view.status !== 'active' || tooManyChanges(), '1 day');
      if (view.status !== 'active') break;
      if (tooManyChanges()) {
        again = true;
        break;
      }
    }
  }
  if (closed(view.status)) return finish();
  if (again) return carryOn(input.quarter, input.quartersDone);
  view.quarter = nextQuarter(input.quarter);
  return carryOn(view.quarter, input.quartersDone + 1);
}
