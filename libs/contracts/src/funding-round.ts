/**
 * Contracts of a funding round ("Gathering Capital"): a project posts what it needs, members
 * pledge, everyone sees the total, and money moves only when the goal is met by the deadline.
 * Amounts cross workflow boundaries as strings of digits (minor units): JSON has no bigint.
 *
 * Runs inside the workflow sandbox too: only `@temporalio/workflow` and pure code.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { RefusalTable } from './failures';

export interface RoundDocument {
  title: string;
  url: string;
  /** e.g. `sha256:<hex>`: members can check the document they read is the one the round cites. */
  contentHash: string;
}

export interface FundingRoundInput {
  roundId: string;
  projectId: string;
  projectName: string;
  /** The asset the round buys; its ownership table is created from the pledges when funded. */
  assetId: string | null;
  /** Minor units, digits only. */
  goal: string;
  currency: string;
  minPledge: string;
  /** ISO-8601. */
  deadline: string;
  /** true: close as soon as the goal is reached; false: stay open to the deadline. */
  closeWhenGoalMet: boolean;
  /** Who releases the captured money to the organiser: the coordinator, or a members' vote of the backers. */
  payoutApproval: 'coordinator' | 'members';
  /** An operator who puts in a share up front and gets a larger output share for running the asset. */
  operator: { memberId: string; upfront: string; outputBonusPercent: number } | null;
  documents: RoundDocument[];
  /** Reminders to members who have not pledged, this long before the deadline (ms). */
  remindBeforeMs: number[];
  createdBy: string;
}

export type RoundStatus =
  | 'opening'
  | 'open'
  | 'closing'
  | 'capturing'
  | 'awaiting-payout'
  | 'paying-out'
  | 'funded'
  | 'releasing'
  | 'failed'
  | 'cancelled';

/** What the public may see (Query behind GET /public/rounds/:id). */
export interface RoundPublicView {
  roundId: string;
  projectId: string;
  status: RoundStatus;
  goal: string;
  currency: string;
  total: string;
  backers: number;
  deadline: string;
  minPledge: string;
  closeWhenGoalMet: boolean;
}

/**
 * The workflow's view (query and update results). Constant in size: the pledges of a round live
 * in PostgreSQL (`total` and `backers` are the final tally once it has closed, 0 before). Only a
 * round opened before that (pledges in the workflow) still lists its pledges here.
 */
export interface RoundView extends RoundPublicView {
  pledges?: Array<{ memberId: string; amount: string }>;
  payoutDecisionId: string | null;
  outcomeReason: string | null;
}

export interface PledgeRequest {
  memberId: string;
  /** The member's whole pledge after this request (raise, lower); "0" withdraws it. */
  amount: string;
}

export const RoundRejection = {
  NotOpen: 'RoundNotOpen',
  BelowMinimum: 'RoundBelowMinimum',
  InsufficientFunds: 'RoundInsufficientFunds',
  NotAwaitingPayout: 'RoundNotAwaitingPayout',
  InvalidAmount: 'RoundInvalidAmount',
} as const;

/** The API's answer to each refusal of the round's Updates (see `RefusalAnswer`). */
export const RoundRefusals: RefusalTable<typeof RoundRejection> = {
  [RoundRejection.NotOpen]: { status: 409, code: 'round_closed' },
  [RoundRejection.BelowMinimum]: { status: 400, code: 'validation_failed', field: 'amount' },
  [RoundRejection.InsufficientFunds]: { status: 409, code: 'insufficient_funds' },
  [RoundRejection.NotAwaitingPayout]: { status: 409, code: 'round_not_awaiting_payout' },
  [RoundRejection.InvalidAmount]: { status: 400, code: 'validation_failed', field: 'amount' },
};

/**
 * Why a pledge was refused (a pledge is a PostgreSQL transaction, not an Update: the repository
 * throws these), and the API's answer to each. `LegacyRound` is not an error: the API then takes
 * the pledge through the round's workflow (rounds opened before pledges moved to PostgreSQL).
 */
export const PledgeRejection = {
  NotFound: 'not_found',
  LegacyRound: 'legacy_round',
  NotOpenYet: 'not_open_yet',
  Closed: 'closed',
  BelowMinimum: 'below_minimum',
  OperatorFloor: 'operator_floor',
  InsufficientFunds: 'insufficient_funds',
} as const;
export type PledgeRefusalCode = (typeof PledgeRejection)[keyof typeof PledgeRejection];

export const PledgeRefusals: RefusalTable<Omit<typeof PledgeRejection, 'LegacyRound'>> = {
  [PledgeRejection.NotFound]: { status: 404, code: 'not_found' },
  [PledgeRejection.NotOpenYet]: { status: 409, code: 'round_opening' },
  [PledgeRejection.Closed]: { status: 409, code: 'round_closed' },
  [PledgeRejection.BelowMinimum]: { status: 400, code: 'validation_failed', field: 'amount' },
  [PledgeRejection.OperatorFloor]: { status: 400, code: 'validation_failed', field: 'amount' },
  [PledgeRejection.InsufficientFunds]: { status: 409, code: 'insufficient_funds' },
};


export function fundingRoundWorkflowId(roundId: string): string {
  return `round-${roundId}`;
}

export const FUNDING_ROUND_WORKFLOW_TYPE = 'fundingRoundWorkflow';

// Message definitions. The string names are stored in histories: never change them.
export const pledgeUpdate = defineUpdate<RoundView, [PledgeRequest]>('pledge');
export const approvePayoutUpdate = defineUpdate<RoundView, [{ actor: string }]>('approvePayout');
export const cancelRoundUpdate = defineUpdate<RoundView, [{ actor: string; reason: string }]>('cancelRound');
export const getRoundQuery = defineQuery<RoundView>('getRound');
/** A pledge met the goal of a round that closes on it, and the API closed it for pledges: close now. */
export const goalReachedSignal = defineSignal('goalReached');

/** Patch id of the rounds whose pledges live in PostgreSQL (older runs keep theirs in the workflow). */
export const PLEDGES_IN_POSTGRES_PATCH = '2026-12-pledges-in-postgres';
/**
 * Patch id of the rounds whose `approvePayout` and `cancelRound` updates outlive a cancellation
 * through Temporal: they answer with the outcome instead of failing with the cancellation.
 */
export const UPDATES_OUTLIVE_CANCEL_PATCH = '2026-12-round-updates-outlive-cancel';

/** What a pledge returns (constant in size, whatever the number of backers). */
export interface PledgeResult {
  roundId: string;
  memberId: string;
  /** The member's whole pledge now. */
  amount: string;
  /** The round's live total and backers, this pledge included. */
  total: string;
  backers: number;
  goal: string;
  currency: string;
  status: RoundStatus;
  deadline: string;
}

/** Activity inputs of rounds whose pledges live in PostgreSQL. */
export interface RecordRoundStatusInput {
  roundId: string;
  /** Increasing per write: a late retry of an older write changes nothing. */
  seq: number;
  status: RoundStatus;
  reason: string | null;
}

export interface CloseRoundInput {
  roundId: string;
  seq: number;
}

export interface RoundTallyView {
  total: string;
  backers: number;
}

export interface SettleRoundPageInput {
  roundId: string;
  currency: string;
  /** The last member of the previous page (null: from the start). */
  after: string | null;
}

export interface SettledRoundPage {
  count: number;
  amount: string;
  last: string | null;
}

export interface OperatorPledgeInput {
  roundId: string;
  memberId: string;
  amount: string;
}

export interface AssignRoundOwnershipInput {
  roundId: string;
  assetId: string;
  operator: { memberId: string; outputBonusPercent: number } | null;
}

export interface QueueRoundMailInput {
  roundId: string;
  kind: SendRoundMailInput['kind'];
  /** Every active member; those with no pledge; or the backers (pledge above 0 at the close). */
  audience: 'members' | 'not-pledged' | 'backers';
}

/** Inputs of the round's money activities; each is idempotent on its ledger key. */
export interface MoveHoldInput {
  roundId: string;
  memberId: string;
  currency: string;
  /** Positive: member → escrow (hold more); negative: escrow → member (hold less). */
  delta: string;
  /** Per member, increasing: makes the ledger key of this change unique and stable across retries. */
  seq: number;
}

export interface RecordRoundInput {
  roundId: string;
  status: RoundStatus;
  total: string;
  backers: number;
  pledges: Array<{ memberId: string; amount: string }>;
  reason: string | null;
}

export interface CaptureInput {
  roundId: string;
  memberId: string;
  currency: string;
  amount: string;
}

export interface PayOutInput {
  roundId: string;
  projectId: string;
  currency: string;
  amount: string;
}

export interface AssignOwnershipInput {
  roundId: string;
  assetId: string;
  contributions: Array<{ memberId: string; amount: string }>;
  operator: { memberId: string; outputBonusPercent: number } | null;
}

export interface SendRoundMailInput {
  roundId: string;
  memberId: string;
  kind: 'opened' | 'reminder' | 'funded' | 'failed' | 'cancelled';
}
