/**
 * Contracts of job dispatch: the network cannot command a node, it offers work and the node
 * accepts it or not. A job exists only against a real demand (a project task or an order).
 *
 * Runs inside the workflow sandbox too: only `@temporalio/workflow` and pure code.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { RefusalTable } from './failures';
import type { FlowJobRef, TransportNeed } from './flows';

export interface JobInput {
  jobId: string;
  capability: string;
  quantity: number;
  unit: string;
  specUrl: string;
  /** ISO-8601: when the goods are due at the recipient. */
  dueAt: string;
  /** Who receives the goods: a member, or a node (its owner confirms). `confirmerId` is that member. */
  recipient: { type: 'member' | 'node'; id: string; confirmerId: string };
  demand: { type: 'project' | 'order'; id: string };
  /** The recipient's location: nodes there are preferred. */
  locationId: string | null;
  /** How long a node has to answer an offer. */
  offerTimeoutMs: number;
  /** A counter-offer with a later date is taken if it is at most this much later than `dueAt`. */
  maxDelayMs: number;
  /** A counter-offer for part of the quantity is taken (the rest is offered on) if true. */
  allowPartial: boolean;
  /** How long the recipient has to confirm a delivery. */
  confirmWithinMs: number;
  createdBy: string;
  /** Nodes never to offer this job to (the rest of a partial counter-offer skips its first maker). */
  excludeNodeIds?: string[];
  /** Only these nodes may be offered the job (an asset's own output goes to the asset's node). */
  onlyNodeIds?: string[];
  /** A job whose output is documents (a design, a test report): completing it requires at least one. */
  deliverable?: { kind: string; licence: string | null; documentsRequired: boolean };
  /**
   * Continue-as-new once a run's history has this many events (at a safe point), or earlier when
   * Temporal suggests it. Default `JOB_HISTORY_EVENT_LIMIT`; tests set it low to drive a job
   * through several runs.
   */
  historyEventLimit?: number;
  /** What a run that continued as new carries into the next one (plain JSON). Absent on a first run. */
  carried?: JobCarry;
  /**
   * Paid work (runs from the `2026-12-job-priced` patch on): the price reserved from the payer's
   * account on acceptance and paid to the node owner on confirmed delivery. Absent: unpaid work.
   */
  price?: JobPrice;
  /** The highest price a node's counter-offer may ask (minor units, the price's currency); absent: the price is not negotiable. */
  priceCeiling?: string;
  /** A job cancelled after work began pays the node the share of the price it reported done. */
  payProgressOnCancel?: boolean;
  /**
   * A step or transport leg of a production flow (runs from the `2026-12-job-flow` patch on): the
   * job tells its flow when it is accepted and delivered (`flowJobEvent`), and the hand-off of its
   * output, answered by whoever receives it, confirms or rejects the run (`flowHandoffAnswer`)
   * instead of a member decision.
   */
  flow?: FlowJobRef;
  /** A transport leg: only nodes with the `transport` function carrying this flow type and serving both locations. */
  transport?: TransportNeed;
}

/** A job's price: integer minor units as a digit string, and the ISO currency of the paying account. */
export interface JobPrice {
  amount: string;
  currency: string;
}

/** Where a priced job's money is: `waiting` (not enough in the paying account), reserved (held), paid, released, part-paid (a cancel paid progress). */
export type JobPayment = 'waiting' | 'reserved' | 'paid' | 'released' | 'part-paid';

/** The state a job carries across continue-as-new: plain JSON, no Map or Set. */
export interface JobCarry {
  view: JobView;
  /** Nodes that declined or let an offer expire, and the input's exclusions. */
  tried: string[];
  recordSeq: number;
  /** The node to offer the job to first (rework goes back to the node that made it). */
  preferred: string | null;
  /** How many notification children were started (their workflow ids are numbered). */
  notices: number;
}

/** A document a node delivers with its work (a design, a test report). */
export interface DeliveredDocument {
  title: string;
  url: string;
  /** e.g. `sha256:<hex>` */
  contentHash?: string;
}

export type JobStatus =
  | 'searching'
  | 'offered'
  | 'waiting-for-capacity'
  | 'no-node'
  | 'accepted'
  | 'in-progress'
  | 'delivered'
  | 'confirmed'
  | 'cancelled'
  /** Accepted, but the paying account cannot reserve the price yet: waits for a top-up (paid work). */
  | 'waiting-for-money'
  /** Ended because an activity refused its data (DATA_REJECTED); the coordinator was told. */
  | 'failed';

export interface JobOffer {
  offerId: string;
  nodeId: string;
  offeredAt: string;
  answer: 'accepted' | 'rejected' | 'expired' | 'countered' | 'undeliverable' | 'withdrawn' | null;
  reason: string | null;
  answeredAt: string | null;
}

/** The latest progress report of a run, as the node API records it in PostgreSQL. */
export interface JobProgress {
  percent: number;
  note: string | null;
  /** When it was reported (absent in rows written by workflows before v0.4.0). */
  reportedAt?: string;
  /** Reports of this run so far. */
  reports?: number;
}

export interface JobRun {
  made: number;
  scrapped: number;
  completedAt: string;
  confirmation: 'confirmed' | 'rejected' | 'unanswered' | null;
  reason: string | null;
  /** What the node delivered with this run (absent in histories from before documents). */
  documents?: DeliveredDocument[];
}

/**
 * A job's live state (the query's and every update's result). Lists that grow with the job's life
 * keep only their latest entries (`OFFERS_KEPT`, `RUNS_KEPT`, `ESCALATIONS_KEPT`), with counts;
 * the full record is in PostgreSQL (`job_offers`, `jobs.runs`). Views from runs before that
 * (histories of v0.3.0 and older) have no counts: their lists are complete.
 */
export interface JobView {
  jobId: string;
  status: JobStatus;
  nodeId: string | null;
  quantity: number;
  dueAt: string;
  /** The latest offers (at most `OFFERS_KEPT`), oldest first; the last one is the current one. */
  offers: JobOffer[];
  /** Offers made so far, over the job's whole life. */
  offerCount?: number;
  /**
   * Only in views of runs from before progress moved to PostgreSQL; read progress from the job
   * row (`jobs.progress`, written by the node API).
   */
  progress: { percent: number; note: string | null } | null;
  /** The latest completed runs (the first, then each rework), at most `RUNS_KEPT`. */
  runs: JobRun[];
  /** Runs completed so far. */
  runCount?: number;
  /** Made (not rejected) and scrapped (in production, plus rejected deliveries) over all runs. */
  yield?: { made: number; scrapped: number };
  /** Jobs split off for the rest of a partial counter-offer (the latest few). */
  remainderJobIds: string[];
  /** Escalations sent to the coordinator (the latest few). */
  escalations: string[];
  /** Paid work only: the price (a counter-offer within the ceiling changes it) and where the money is. */
  price?: JobPrice;
  payment?: JobPayment | null;
}

/** How many offers, runs and escalations a view keeps (older ones are in PostgreSQL). */
export const OFFERS_KEPT = 10;
export const RUNS_KEPT = 5;
export const ESCALATIONS_KEPT = 10;
/** Default of `JobInput.historyEventLimit`. */
export const JOB_HISTORY_EVENT_LIMIT = 2_000;

/**
 * Business bounds of what a node reports. A completion may report more than the quantity (extra
 * parts, scrap while setting up), but not without limit: made + scrapped is at most this multiple
 * of the job's quantity.
 */
export const COMPLETION_QUANTITY_FACTOR = 10;
/** Longest free text a node or the coordinator sends with an answer, report or cancellation. */
export const JOB_TEXT_MAX = 1000;

export type NodeAnswer =
  | { kind: 'accept'; nodeId: string; offerId?: string }
  | { kind: 'reject'; nodeId: string; offerId?: string; reason: string }
  | { kind: 'counter'; nodeId: string; offerId?: string; dueAt?: string; quantity?: number; note?: string; price?: string };

/**
 * A progress report. The node API records every report in PostgreSQL; only the first of a run
 * reaches the workflow (it moves the job from accepted to in-progress).
 */
export interface ProgressReport {
  nodeId: string;
  percent: number;
  note?: string;
}

export interface CompletionReport {
  nodeId: string;
  made: number;
  scrapped: number;
  documents?: DeliveredDocument[];
}

export const JobRejection = {
  NotOffered: 'JobNotOffered',
  NotYours: 'JobNotYours',
  NotAccepted: 'JobNotAccepted',
  Closed: 'JobClosed',
  InvalidCounter: 'JobInvalidCounter',
  InvalidReport: 'JobInvalidReport',
  DocumentsRequired: 'JobDocumentsRequired',
  /** Refused because it is already applied (a repeated accept, completion or first progress): answer with the current state. */
  Repeat: 'JobRepeat',
  /** Free text longer than `JOB_TEXT_MAX`. */
  TextTooLong: 'JobTextTooLong',
  /** A counter-offer asks more than the job's price ceiling (or the price is not negotiable). */
  CounterAboveCeiling: 'JobCounterAboveCeiling',
} as const;

/** The API's answer to each refusal of the job's Updates (`Repeat` is not an error: the API answers the current state). */
export const JobRefusals: RefusalTable<Omit<typeof JobRejection, 'Repeat'>> = {
  [JobRejection.NotOffered]: { status: 409, code: 'job_not_offered' },
  [JobRejection.NotYours]: { status: 409, code: 'job_not_yours' },
  [JobRejection.NotAccepted]: { status: 409, code: 'job_not_accepted' },
  [JobRejection.Closed]: { status: 409, code: 'job_closed' },
  [JobRejection.InvalidCounter]: { status: 400, code: 'validation_failed', field: 'counter' },
  [JobRejection.InvalidReport]: { status: 400, code: 'validation_failed', field: 'report' },
  [JobRejection.DocumentsRequired]: { status: 422, code: 'documents_required', field: 'documents' },
  [JobRejection.TextTooLong]: { status: 400, code: 'validation_failed', field: 'reason' },
  [JobRejection.CounterAboveCeiling]: { status: 422, code: 'counter_above_ceiling', field: 'price' },
};

/** Why a counter-offer's price cannot be taken, or null (shared by the API and the workflow's validator). */
export function counterPriceProblem(asked: string, job: { price?: JobPrice | null; priceCeiling?: string | null }): string | null {
  if (!/^(0|[1-9][0-9]{0,17})$/.test(asked)) return 'price must be a whole number of minor units (digits)';
  if (!job.price) return 'this job has no price to counter';
  if (!job.priceCeiling) return `the price of this job (${job.price.amount} ${job.price.currency}) is not negotiable`;
  if (BigInt(asked) > BigInt(job.priceCeiling)) return `the price asked (${asked}) is above this job's ceiling (${job.priceCeiling} ${job.price.currency})`;
  return null;
}


/** Made + scrapped that a completion may report for a job of this quantity. */
export function maxCompletionTotal(quantity: number): number {
  return COMPLETION_QUANTITY_FACTOR * quantity;
}

/**
 * Why a completion report is out of bounds, or null. Shared by the API (400) and the workflow's
 * validator (for clients that reach the workflow directly).
 */
export function completionProblem(r: { made: number; scrapped: number }, quantity: number): string | null {
  if (!Number.isSafeInteger(r.made) || !Number.isSafeInteger(r.scrapped) || r.made < 1 || r.scrapped < 0) {
    return 'made must be a whole number of at least 1, scrapped a whole number of at least 0';
  }
  if (r.made + r.scrapped > maxCompletionTotal(quantity)) {
    return `made + scrapped may be at most ${COMPLETION_QUANTITY_FACTOR} × the job's quantity (${maxCompletionTotal(quantity)})`;
  }
  return null;
}

export function jobWorkflowId(jobId: string): string {
  return `job-${jobId}`;
}

export const JOB_WORKFLOW_TYPE = 'jobWorkflow';

// Message definitions. The string names are stored in histories: never change them.
export const answerOfferUpdate = defineUpdate<JobView, [NodeAnswer]>('answerOffer');
export const reportProgressUpdate = defineUpdate<JobView, [ProgressReport]>('reportProgress');
export const completeJobUpdate = defineUpdate<JobView, [CompletionReport]>('completeJob');
export const cancelJobUpdate = defineUpdate<JobView, [{ actor: string; reason: string }]>('cancelJob');
/** Sent to waiting jobs when a node frees a slot: pull, not push. */
export const capacityFreedSignal = defineSignal<[{ nodeId: string }]>('capacityFreed');
export const getJobQuery = defineQuery<JobView>('getJob');
/** Sent to a job waiting for money when its paying account was topped up (it also retries on a timer). */
export const moneyAddedSignal = defineSignal('moneyAdded');

/** The answer of reserving a job's price: reserved (now or before), or not enough money with the figures. */
export type ReserveJobResult = { reserved: true } | { reserved: false; available: string; asked: string };
export interface PayJobInput {
  jobId: string;
  /** The run confirmed: the pay's ledger key (a job is paid once, for its confirmed run). */
  run: number;
}
export interface SettleCancelledJobInput {
  jobId: string;
  /** Pay the node the share of the price its latest progress report says is done. */
  payProgress: boolean;
}
export interface SettleResult {
  paid: string;
  released: string;
}

/** Input of the activity that picks the node to offer a job to next. */
export interface PickNodeInput {
  jobId: string;
  capability: string;
  locationId: string | null;
  exclude: string[];
  only?: string[];
  /** A transport leg: carriers of this flow type that serve both locations. */
  transport?: TransportNeed;
}
export type PickNodeResult = { kind: 'node'; nodeId: string } | { kind: 'all-busy' } | { kind: 'none' };

export interface SendJobEventInput {
  nodeId: string;
  /** The `webhook-id`: the same for every retry of this event. */
  eventId: string;
  type: 'job.offered' | 'job.cancelled' | 'job.reminder' | 'job.rework' | 'delivery.confirmed' | 'delivery.rejected' | 'offer.withdrawn' | 'plan.published' | 'handoff.requested';
  data: Record<string, unknown>;
}

/**
 * `delivered`; `failed` (refused for good, or the endpoint is disabled); `skipped` (no longer
 * current: the offer it announces closed, or the job it is about ended; recorded, not sent).
 */
export type SendJobEventResult = 'delivered' | 'failed' | 'skipped';

/**
 * A notification that follows the job's business (a webhook nobody waits for, an email): sent by
 * `jobNotificationWorkflow`, a child the job starts and abandons, so that it never holds the job
 * (or its phase) open.
 */
export type JobNotification = { kind: 'webhook'; event: SendJobEventInput } | { kind: 'mail'; mail: NotifyInput };

export function jobNotificationWorkflowId(jobId: string, n: number): string {
  return `job-${jobId}-notice-${n}`;
}

export interface RecordJobInput {
  jobId: string;
  /** Increases with every write of one job: an older write never overwrites a newer one. */
  seq: number;
  view: JobView;
}

export interface OfferOutcomeInput {
  nodeId: string;
  /** Makes the count idempotent: a retried activity counts an expiry once. */
  offerId: string;
  answered: boolean;
}

export interface OfferOutcomeResult {
  /** Suspended by this expiry. */
  suspended: boolean;
  expiredInRow: number;
  ownerMemberId: string;
  nodeName: string;
}

export interface NotifyInput {
  /** The email's business key (sent once). */
  key: string;
  to: { coordinator: true } | { memberId: string };
  subject: string;
  text: string;
  /** Appends the job's latest progress report (from PostgreSQL) to the text. */
  withProgressOf?: string;
}
