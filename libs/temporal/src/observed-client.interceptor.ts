import { Headers, ServiceError, WorkflowClientInterceptor } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { REQUEST_ID_HEADER } from '@app/contracts';
import { currentRequestId, metrics } from '@app/observability';

function withRequestId(headers: Headers): Headers {
  const id = currentRequestId();
  return id ? { ...headers, [REQUEST_ID_HEADER]: defaultPayloadConverter.toPayload(id) } : headers;
}

async function observe<T>(operation: string, call: () => Promise<T>): Promise<T> {
  const end = metrics.temporalClient.startTimer({ operation });
  try {
    const result = await call();
    end({ outcome: 'ok' });
    return result;
  } catch (err) {
    end({ outcome: err instanceof ServiceError ? 'unavailable' : 'error' });
    throw err;
  }
}

/**
 * Every workflow call of the client: timed and counted (`dpn_temporal_client_request_duration_seconds`),
 * and, when made for a request (or an activity of one), given the request id as the `dpn-request-id`
 * header, which the workflow interceptors (workflows/interceptors.ts) carry on to its log lines,
 * activities and children.
 */
export const observedClientInterceptor: WorkflowClientInterceptor = {
  start: (input, next) => observe('start', () => next({ ...input, headers: withRequestId(input.headers) })),
  startWithDetails: (input, next) => observe('start', () => next({ ...input, headers: withRequestId(input.headers) })),
  startUpdate: (input, next) => observe('update', () => next({ ...input, headers: withRequestId(input.headers) })),
  startUpdateWithStart: (input, next) =>
    observe('update_with_start', () => next({ ...input, workflowStartHeaders: withRequestId(input.workflowStartHeaders), updateHeaders: withRequestId(input.updateHeaders) })),
  signal: (input, next) => observe('signal', () => next({ ...input, headers: withRequestId(input.headers) })),
  signalWithStart: (input, next) => observe('signal_with_start', () => next({ ...input, headers: withRequestId(input.headers) })),
  query: (input, next) => observe('query', () => next(input)),
  terminate: (input, next) => observe('terminate', () => next(input)),
  cancel: (input, next) => observe('cancel', () => next(input)),
  describe: (input, next) => observe('describe', () => next(input)),
};
