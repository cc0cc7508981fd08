/**
 * Contracts of a funding round ("Gathering Capital"): a project posts what it needs, members
 * pledge, everyone sees the total, and money moves only when the goal is met by the deadline.
 * Amounts cross workflow boundaries as strings of digits (minor units): JSON has no bigint.
 *
 * Runs inside the workflow sandbox too: only `@temporalio/workflow` and pure code.
 */
import { defineQuery, defineUpdate } from '@temporalio/workflow';

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

/** The coordinator's view: the public one plus each pledge. */
export interface RoundView extends RoundPublicView {
  pledges: Array<{ memberId: string; amount: string }>;
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

export function fundingRoundWorkflowId(roundId: string): string {
  return `round-${roundId}`;
}

export const FUNDING_ROUND_WORKFLOW_TYPE = 'fundingRoundWorkflow';

// Message definitions. The string names are stored in histories: never change them.
export const pledgeUpdate = defineUpdate<RoundView, [PledgeRequest]>('pledge');
export const approvePayoutUpdate = defineUpdate<RoundView, [{ actor: string }]>('approvePayout');
export const cancelRoundUpdate = defineUpdate<RoundView, [{ actor: string; reason: string }]>('cancelRound');
export const getRoundQuery = defineQuery<RoundView>('getRound');

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
