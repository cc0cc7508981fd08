import { AsyncLocalStorage } from 'node:async_hooks';
import { Connection, ConnectionOptions, defaultGrpcRetryOptions, makeGrpcRetryInterceptor, ServiceError } from '@temporalio/client';
import type { WorkflowClientInterceptor } from '@temporalio/client';

/**
 * Temporal could not be reached (known down, or a probe failed while a call waited). A
 * `ServiceError`, so every path that already treats Temporal's own connection errors as
 * "unavailable" (503 `temporal_unavailable`) treats this one the same.
 */
export class TemporalUnavailableError extends ServiceError {
  constructor(message = 'the workflow engine (Temporal) is unreachable; try again shortly', cause?: unknown) {
    super(message, cause instanceof Error ? { cause } : undefined);
    // The SDK makes `name` read-only on its error classes' prototypes.
    Object.defineProperty(this, 'name', { value: 'TemporalUnavailableError' });
  }
}

export interface TemporalAvailabilityOptions {
  /** Deadline of one probe (a system-info call). */
  probeTimeoutMs: number;
  /** How long a probe's answer stands before the next call asks again. */
  freshMs: number;
  /** How long a call may wait before it is checked on (then again at this interval). */
  watchAfterMs: number;
}

/**
 * A probe is one attempt (no gRPC retries: a refused connection answers at once) that may take
 * up to 5 s, so a Temporal that is slow under load is not mistaken for one that is down.
 */
export const DEFAULT_AVAILABILITY: TemporalAvailabilityOptions = { probeTimeoutMs: 5_000, freshMs: 1_500, watchAfterMs: 1_000 };

/** Set while a probe runs: its gRPC call is made without the retry interceptor's retries. */
const probeContext = new AsyncLocalStorage<true>();
const once = makeGrpcRetryInterceptor({ retryableDecider: () => false, delayFunction: () => 0 });

/**
 * What the API knows about Temporal being reachable, shared by the health check and every
 * client call. A call made while Temporal is known to be down fails at once; a call that waits
 * longer than `watchAfterMs` is checked on with a short probe and abandoned if the probe fails.
 * Without this, the client's own retries hold a request 19-22 s before it fails, although a
 * probe knows within 2 s. A call to a Temporal that is up is never cut short, however long it
 * takes (an update may legitimately wait for its workflow).
 */
export class TemporalAvailability {
  readonly connection: Connection;
  private last?: { up: boolean; at: number; error?: string };
  private probing?: Promise<boolean>;
  private readonly inFlight = new Set<AbortController>();
  private closing = false;
  /** When the last retry the gRPC layer has scheduled will have run (see `close`). */
  private retriesUntil = 0;

  /**
   * Opens a lazy connection whose gRPC retries stop as soon as Temporal is known to be down (or
   * the connection is closing): the SDK's retry interceptor, with that one condition added.
   */
  constructor(
    options: ConnectionOptions,
    private readonly opts: TemporalAvailabilityOptions = DEFAULT_AVAILABILITY,
  ) {
    const retry = defaultGrpcRetryOptions();
    const retrying = makeGrpcRetryInterceptor({
      retryableDecider: (attempt, status) => !this.closing && this.last?.up !== false && retry.retryableDecider(attempt, status),
      delayFunction: (attempt, status) => {
        const ms = retry.delayFunction(attempt, status);
        this.retriesUntil = Math.max(this.retriesUntil, Date.now() + ms);
        return ms;
      },
    });
    this.connection = Connection.lazy({
      ...options,
      // gRPC waits up to 2 minutes between reconnects after a long outage; 5 s finds Temporal back sooner.
      channelArgs: { 'grpc.max_reconnect_backoff_ms': 5_000, ...options.channelArgs },
      // Interceptors are made per call, inside the caller's async context: a probe's call gets no retries.
      interceptors: [(callOptions, nextCall) => (probeContext.getStore() ? once : retrying)(callOptions, nextCall)],
    });
  }

  /** The last probe's answer, if it is still fresh. */
  get known(): { up: boolean; error?: string } | undefined {
    return this.last && Date.now() - this.last.at < this.opts.freshMs ? { up: this.last.up, error: this.last.error } : undefined;
  }

  /** Asks Temporal now (one probe at a time, shared by concurrent callers); remembers the answer. */
  probe(): Promise<boolean> {
    this.probing ??= probeContext
      .run(true, () => this.connection.withDeadline(Date.now() + this.opts.probeTimeoutMs, () => this.connection.workflowService.getSystemInfo({})))
      .then(
        () => this.record(true),
        (err: unknown) => this.record(false, err instanceof Error ? err.message : String(err)),
      )
      .finally(() => (this.probing = undefined));
    return this.probing;
  }

  /** Throws unless Temporal answers a probe (used by the health check). */
  async check(): Promise<void> {
    if (!(await this.probe())) throw new TemporalUnavailableError(`Temporal did not answer within ${this.opts.probeTimeoutMs} ms: ${this.last?.error ?? ''}`);
  }

  /**
   * Runs one client call: fails at once if Temporal is known to be down, and abandons the call
   * if Temporal turns out to be down while it waits (`TemporalUnavailableError` either way).
   */
  async guard<T>(call: () => Promise<T>): Promise<T> {
    const known = this.known;
    if (known && !known.up) {
      void this.probe(); // so that a later call knows sooner that it is back
      throw new TemporalUnavailableError(`the workflow engine (Temporal) is unreachable; try again shortly (${known.error ?? 'no answer'})`);
    }
    const abort = new AbortController();
    this.inFlight.add(abort);
    let timer: NodeJS.Timeout | undefined;
    const gaveUp = new Promise<never>((_, reject) => {
      abort.signal.addEventListener('abort', () => reject(new TemporalUnavailableError()), { once: true });
    });
    const watch = () => {
      timer = setTimeout(() => {
        const fresh = this.known;
        void (fresh?.up ? Promise.resolve(true) : this.probe()).then((up) => {
          if (abort.signal.aborted) return;
          if (up) return watch();
          abort.abort();
        });
      }, this.opts.watchAfterMs);
    };
    watch();
    const running = this.connection.withAbortSignal(abort.signal, call);
    running.catch(() => undefined); // once given up on, its own end is of no interest
    try {
      const result = await Promise.race([running, gaveUp]);
      if (this.last?.up === false) this.record(true); // it answered: it is back
      return result;
    } catch (err) {
      if (abort.signal.aborted && !(err instanceof TemporalUnavailableError)) throw new TemporalUnavailableError(undefined, err);
      if (this.last?.up === false) void this.probe(); // still down, or back? the next call will know
      throw err;
    } finally {
      clearTimeout(timer);
      this.inFlight.delete(abort);
      gaveUp.catch(() => undefined);
      if (!abort.signal.aborted) abort.abort(); // stops a watcher whose probe is still out
    }
  }

  /**
   * Ends every call in flight and closes the connection, once no gRPC retry is pending (a retry
   * that fires on a closed channel throws from a timer and takes the process down). Waits at most
   * the SDK's longest retry interval.
   */
  async close(): Promise<void> {
    this.closing = true;
    for (const abort of this.inFlight) abort.abort();
    const wait = Math.min(this.retriesUntil - Date.now(), 7_000);
    if (wait > 0) await new Promise((r) => setTimeout(r, wait + 50));
    await this.connection.close();
  }

  private record(up: boolean, error?: string): boolean {
    this.last = { up, at: Date.now(), error };
    return up;
  }
}

/** A client interceptor that runs every workflow call through `availability.guard`. */
export function failFastInterceptor(availability: TemporalAvailability): WorkflowClientInterceptor {
  return {
    start: (input, next) => availability.guard(() => next(input)),
    startWithDetails: (input, next) => availability.guard(() => next(input)),
    startUpdate: (input, next) => availability.guard(() => next(input)),
    startUpdateWithStart: (input, next) => availability.guard(() => next(input)),
    signal: (input, next) => availability.guard(() => next(input)),
    signalWithStart: (input, next) => availability.guard(() => next(input)),
    query: (input, next) => availability.guard(() => next(input)),
    terminate: (input, next) => availability.guard(() => next(input)),
    cancel: (input, next) => availability.guard(() => next(input)),
    describe: (input, next) => availability.guard(() => next(input)),
  };
}
