/**
 * Failures as people read them: what the workflows write into a reason, an escalation or a log line.
 */
import { ActivityFailure, ApplicationFailure, ChildWorkflowFailure } from '@temporalio/workflow';
import { DATA_REJECTED } from '../../libs/contracts/src/failures';

/** The message worth showing of an activity's or a child's failure: its cause's (the outer one only says "Activity task failed"). */
export const causeOf = (err: unknown): string =>
  err instanceof ActivityFailure || err instanceof ChildWorkflowFailure ? (err.cause?.message ?? err.message) : err instanceof Error ? err.message : String(err);

/** An activity that failed because PostgreSQL refused its data (DATA_REJECTED): retrying cannot help. */
export const dataRejected = (err: unknown): err is ActivityFailure =>
  err instanceof ActivityFailure && err.cause instanceof ApplicationFailure && err.cause.type === DATA_REJECTED;
