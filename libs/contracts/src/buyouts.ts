/**
 * Contracts of the operator's buy-out (`buyoutWorkflow`, one per agreement): the workflow waits
 * for each quarter's end, runs that quarter's step (an activity: one PostgreSQL transaction) and
 * continues as new with the next quarter. Pause, resume and end by agreement are Updates.
 *
 * Runs inside the workflow sandbox too: only `@temporalio/workflow` and pure code.
 */
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { RefusalTable } from './failures';
import type { QuarterId } from './output-orders';

export type BuyoutStatus = 'active' | 'paused' | 'completed' | 'ended';
export type BuyoutAction = 'pause' | 'resume' | 'end';

export interface BuyoutWorkflowInput {
  agreementId: string;
  /** The quarter whose end this run waits for, e.g. `2027-Q1`. */
  quarter: QuarterId;
  /** `active` or `paused` (a paused agreement moves nothing at a quarter's end). */
  status: 'active' | 'paused';
  /** Quarters this agreement has waited through, over every run. */
  quartersDone: number;
  /** Changes (Updates) a run takes before it continues as new (tests set it low). Default `BUYOUT_CHANGES_PER_RUN`. */
  changesPerRun?: number;
}

/** A coordinator records a change agreed by the operator and the other owners. */
export interface BuyoutChangeRequest {
  action: BuyoutAction;
  /** Who recorded it (the coordinator's actor string). */
  by: string;
  /** Why (what the parties agreed), as the coordinator wrote it. */
  reason: string;
  /** The Update's id (the request's Idempotency-Key or a fresh id): recorded once. */
  changeId: string;
}

/** The workflow's view: no lists (steps and claims are rows in PostgreSQL). */
export interface BuyoutView {
  agreementId: string;
  status: BuyoutStatus;
  /** The quarter whose end the agreement waits for next. */
  quarter: string;
  quartersDone: number;
  /** Updates this run has taken (continue-as-new resets it). */
  changesThisRun: number;
}

/** What one quarter's step did (`not-ready`: the quarter's income is not shared yet, try later). */
export interface BuyoutStepResult {
  outcome: 'stepped' | 'not-ready' | 'not-running';
  status: BuyoutStatus;
  parts: string;
  amount: string;
  money: string;
  completed: boolean;
  replayed: boolean;
}

/** Changes a run takes before it continues as new: far below Temporal's 2,000 Updates per run. */
export const BUYOUT_CHANGES_PER_RUN = 100;
/** How often a step waits a day for the quarter's income to be shared before it goes on without it. */
export const BUYOUT_INCOME_WAIT_DAYS = 14;

export const BuyoutRejection = {
  /** The agreement has ended or is completed: nothing can change it. */
  Ended: 'BuyoutEnded',
  /** Pause of an agreement that is not active. */
  NotActive: 'BuyoutNotActive',
  /** Resume of an agreement that is not paused. */
  NotPaused: 'BuyoutNotPaused',
} as const;

export const BuyoutRefusals: RefusalTable<typeof BuyoutRejection> = {
  [BuyoutRejection.Ended]: { status: 409, code: 'buyout_ended' },
  [BuyoutRejection.NotActive]: { status: 409, code: 'buyout_not_active' },
  [BuyoutRejection.NotPaused]: { status: 409, code: 'buyout_not_paused' },
};

export function buyoutWorkflowId(agreementId: string): string {
  return `buyout-${agreementId}`;
}

export const BUYOUT_WORKFLOW_TYPE = 'buyoutWorkflow';

// Message definitions. The string names are stored in histories: never change them.
export const changeBuyoutUpdate = defineUpdate<BuyoutView, [BuyoutChangeRequest]>('changeBuyout');
export const getBuyoutQuery = defineQuery<BuyoutView>('getBuyout');
