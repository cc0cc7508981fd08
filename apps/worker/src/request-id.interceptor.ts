import type { Context } from '@temporalio/activity';
import { defaultPayloadConverter } from '@temporalio/common';
import type {
  ActivityExecuteInput,
  ActivityInboundCallsInterceptor,
  ActivityInterceptorsFactory,
  ActivityOutboundCallsInterceptor,
  GetLogAttributesInput,
  Next,
} from '@temporalio/worker';
import { REQUEST_ID_ATTRIBUTE, REQUEST_ID_HEADER, REQUEST_ID_PATTERN } from '@app/contracts';
import { requestContext } from '@app/observability';

/** The request id a workflow passed to this activity (the `dpn-request-id` header), if any. */
export function requestIdOf(headers: ActivityExecuteInput['headers']): string | undefined {
  const payload = headers[REQUEST_ID_HEADER];
  if (!payload) return undefined;
  try {
    const id: unknown = defaultPayloadConverter.fromPayload(payload);
    return typeof id === 'string' && REQUEST_ID_PATTERN.test(id) ? id : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Runs each activity inside the request context of the request that led to it: the activity's
 * `log` lines get a `requestId` attribute, the Nest logger lines of the services it calls carry it,
 * and a workflow the activity starts or signals gets it as its header in turn.
 */
class RequestIdActivityInterceptor implements ActivityInboundCallsInterceptor, ActivityOutboundCallsInterceptor {
  private requestId?: string;

  async execute(input: ActivityExecuteInput, next: Next<ActivityInboundCallsInterceptor, 'execute'>): Promise<unknown> {
    this.requestId = requestIdOf(input.headers);
    return this.requestId ? requestContext.run({ requestId: this.requestId }, () => next(input)) : next(input);
  }

  getLogAttributes(input: GetLogAttributesInput, next: Next<ActivityOutboundCallsInterceptor, 'getLogAttributes'>): Record<string, unknown> {
    return next(this.requestId ? { ...input, [REQUEST_ID_ATTRIBUTE]: this.requestId } : input);
  }
}

export const requestIdActivityInterceptor: ActivityInterceptorsFactory = (_ctx: Context) => {
  const interceptor = new RequestIdActivityInterceptor();
  return { inbound: interceptor, outbound: interceptor };
};
