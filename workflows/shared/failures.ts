/**
 * Failures as people read them: what the workflows write into a reason, an escalation or a log line.
 */
import { ActivityFailure, ChildWorkflowFailure } from '@temporalio/workflow';

/** The message worth showing of an activity's or a child's failure: its cause's (the outer one only says "Activity task failed"). */
export const causeOf = (err: unknown): string =>
  err instanceof ActivityFailure || err instanceof ChildWorkflowFailure ? (err.cause?.message ?? err.message) : err instanceof Error ? err.message : String(err);
