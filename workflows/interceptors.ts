/**
 * Workflow interceptors (bundled with the workflows: `interceptors.workflowModules` of the worker,
 * `workflowInterceptorModules` of the production bundle and the replay test). They carry the id of
 * the HTTP request that started or messaged a workflow (the `dpn-request-id` header) into the
 * workflow's log lines and on to the activities and child workflows it schedules, after the
 * Temporal samples' context-propagation interceptors.
 *
 * Headers do not take part in replay's determinism checks: adding them changes no command.
 */
import {
  ActivateInput,
  ActivityInput,
  AsyncLocalStorage,
  ContinueAsNewInput,
  defaultPayloadConverter,
  DisposeInput,
  GetLogAttributesInput,
  LocalActivityInput,
  Next,
  SignalInput,
  StartChildWorkflowExecutionInput,
  UpdateInput,
  WorkflowExecuteInput,
  WorkflowInboundCallsInterceptor,
  WorkflowInterceptors,
  WorkflowInternalsInterceptor,
  WorkflowOutboundCallsInterceptor,
} from '@temporalio/workflow';
import { REQUEST_ID_ATTRIBUTE, REQUEST_ID_HEADER, REQUEST_ID_PATTERN } from '../libs/contracts/src/request-id';

type Headers = ActivityInput['headers'];

function readRequestId(headers: Headers): string | undefined {
  const payload = headers[REQUEST_ID_HEADER];
  if (!payload) return undefined;
  try {
    const id: unknown = defaultPayloadConverter.fromPayload(payload);
    return typeof id === 'string' && REQUEST_ID_PATTERN.test(id) ? id : undefined;
  } catch {
    return undefined; // a header we cannot read is no reason to fail a workflow task
  }
}

function withRequestId(headers: Headers, requestId: string | undefined): Headers {
  return requestId ? { ...headers, [REQUEST_ID_HEADER]: defaultPayloadConverter.toPayload(requestId) } : headers;
}

class RequestIdInterceptor implements WorkflowInboundCallsInterceptor, WorkflowOutboundCallsInterceptor, WorkflowInternalsInterceptor {
  /** The request id of the handler running now (an update or signal from another request). */
  private readonly current = new AsyncLocalStorage<string>();
  /** The request id that started this run (carried on by continue-as-new). */
  private started?: string;

  private get requestId(): string | undefined {
    return this.current.getStore() ?? this.started;
  }

  private within<T>(headers: Headers, fn: () => T): T {
    const id = readRequestId(headers);
    return id ? this.current.run(id, fn) : fn();
  }

  activate(input: ActivateInput, next: Next<WorkflowInternalsInterceptor, 'activate'>): void {
    // The first activation starts the run: read its headers before the SDK logs "Workflow started".
    const start = input.activation.jobs?.[0]?.initializeWorkflow;
    if (start?.headers) this.started ??= readRequestId(start.headers as Headers);
    next(input);
  }

  execute(input: WorkflowExecuteInput, next: Next<WorkflowInboundCallsInterceptor, 'execute'>): Promise<unknown> {
    this.started ??= readRequestId(input.headers);
    return next(input);
  }

  handleSignal(input: SignalInput, next: Next<WorkflowInboundCallsInterceptor, 'handleSignal'>): Promise<void> {
    return this.within(input.headers, () => next(input));
  }

  handleUpdate(input: UpdateInput, next: Next<WorkflowInboundCallsInterceptor, 'handleUpdate'>): Promise<unknown> {
    return this.within(input.headers, () => next(input));
  }

  scheduleActivity(input: ActivityInput, next: Next<WorkflowOutboundCallsInterceptor, 'scheduleActivity'>): Promise<unknown> {
    return next({ ...input, headers: withRequestId(input.headers, this.requestId) });
  }

  scheduleLocalActivity(input: LocalActivityInput, next: Next<WorkflowOutboundCallsInterceptor, 'scheduleLocalActivity'>): Promise<unknown> {
    return next({ ...input, headers: withRequestId(input.headers, this.requestId) });
  }

  startChildWorkflowExecution(
    input: StartChildWorkflowExecutionInput,
    next: Next<WorkflowOutboundCallsInterceptor, 'startChildWorkflowExecution'>,
  ): Promise<[Promise<string>, Promise<unknown>]> {
    return next({ ...input, headers: withRequestId(input.headers, this.requestId) });
  }

  continueAsNew(input: ContinueAsNewInput, next: Next<WorkflowOutboundCallsInterceptor, 'continueAsNew'>): Promise<never> {
    // The next run keeps the id of the request that started the first one.
    return next({ ...input, headers: withRequestId(input.headers, this.started) });
  }

  getLogAttributes(input: GetLogAttributesInput, next: Next<WorkflowOutboundCallsInterceptor, 'getLogAttributes'>): Record<string, unknown> {
    const id = this.requestId;
    return next(id ? { ...input, [REQUEST_ID_ATTRIBUTE]: id } : input);
  }

  dispose(input: DisposeInput, next: Next<WorkflowInternalsInterceptor, 'dispose'>): void {
    // An AsyncLocalStorage outlives the workflow's eviction from the cache unless disabled.
    this.current.disable();
    next(input);
  }
}

export const interceptors = (): WorkflowInterceptors => {
  const interceptor = new RequestIdInterceptor();
  return { inbound: [interceptor], outbound: [interceptor], internals: [interceptor] };
};
