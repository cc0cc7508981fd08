import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { REQUEST_ID_PATTERN } from '@app/contracts';

/** What is known about the request (or the activity it started) that the current code runs for. */
export interface RequestContext {
  requestId: string;
}

/**
 * Set by the API for every request (after its `x-request-id`) and by the worker for every
 * activity (from the `dpn-request-id` Temporal header): every log line written inside it carries
 * the request id, and every workflow call made inside it passes the id on.
 */
export const requestContext = new AsyncLocalStorage<RequestContext>();

export function currentRequestId(): string | undefined {
  return requestContext.getStore()?.requestId;
}

/** The client's own request id if it looks like one (bounded, safe characters), else a new one. */
export function acceptRequestId(given: string | string[] | undefined): string {
  return typeof given === 'string' && REQUEST_ID_PATTERN.test(given) ? given : randomUUID();
}
