/**
 * Contracts of job dispatch: the network cannot command a node, it offers work and the node
 * accepts it or not. A job exists only against a real demand (a project task or an order).
 *
 * Runs inside the workflow sandbox too: only `@temporalio/workflow` and pure code.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';

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
  | 'cancelled';

export interface JobOffer {
  offerId: string;
  nodeId: string;
  offeredAt: string;
  answer: 'accepted' | 'rejected' | 'expired' | 'countered' | 'undeliverable' | 'withdrawn' | null;
  reason: string | null;
  answeredAt: string | null;
}

export interface JobView {
  jobId: string;
  status: JobStatus;
  nodeId: string | null;
  quantity: number;
  dueAt: string;
  offers: JobOffer[];
  progress: { percent: number; note: string | null } | null;
  /** Per completed run (the first, then each rework). */
  runs: Array<{
    made: number;
    scrapped: number;
    completedAt: string;
    confirmation: 'confirmed' | 'rejected' | 'unanswered' | null;
    reason: string | null;
    /** What the node delivered with this run (absent in histories from before documents). */
    documents?: DeliveredDocument[];
  }>;
  /** Jobs split off for the rest of a partial counter-offer. */
  remainderJobIds: string[];
  escalations: string[];
}

export type NodeAnswer =
  | { kind: 'accept'; nodeId: string; offerId?: string }
  | { kind: 'reject'; nodeId: string; offerId?: string; reason: string }
  | { kind: 'counter'; nodeId: string; offerId?: string; dueAt?: string; quantity?: number; note?: string };

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
} as const;

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

/** Input of the activity that picks the node to offer a job to next. */
export interface PickNodeInput {
  jobId: string;
  capability: string;
  locationId: string | null;
  exclude: string[];
  only?: string[];
}
export type PickNodeResult = { kind: 'node'; nodeId: string } | { kind: 'all-busy' } | { kind: 'none' };

export interface SendJobEventInput {
  nodeId: string;
  /** The `webhook-id`: the same for every retry of this event. */
  eventId: string;
  type: 'job.offered' | 'job.cancelled' | 'job.reminder' | 'job.rework' | 'delivery.confirmed' | 'delivery.rejected' | 'offer.withdrawn' | 'plan.published';
  data: Record<string, unknown>;
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
}
