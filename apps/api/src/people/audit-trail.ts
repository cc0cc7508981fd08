import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { AuditRepository, MemberEntity, NewAuditEvent, NodeEntity } from '@app/db';
import type { AdminRequest } from '../auth/admin.guard';
import { isStateChanging } from '../session/session-cookie';
import { routeOf } from '../common/request-context';

type AuditedRequest = AdminRequest & { member?: MemberEntity; memberVia?: 'session' | 'token'; node?: NodeEntity };

const MAX_PARAMS = 10;
const MAX_PARAM_LENGTH = 100;

/** Who made the request, from what the guards put on it (nothing: anonymous, e.g. a refused token). */
export type AuditActor = Pick<NewAuditEvent, 'actorType' | 'actorId' | 'actorName' | 'via'>;

/** For a handler that learns who is acting itself (a sign-in: no guard knew them): put them on the response's locals. */
export function setAuditActor(res: Response, actor: AuditActor): void {
  res.locals.auditActor = actor;
}

export function actorOfRequest(req: AuditedRequest, res?: Response): AuditActor {
  const named = res?.locals.auditActor as AuditActor | undefined;
  if (named) return named;
  const p = req.adminPrincipal;
  if (p?.kind === 'coordinator') return { actorType: 'coordinator', actorId: p.coordinator.id, actorName: p.coordinator.name, via: p.via };
  if (p?.kind === 'bootstrap') return { actorType: 'bootstrap', actorId: null, actorName: null, via: 'token' };
  if (req.member) return { actorType: 'member', actorId: req.member.id, actorName: req.member.name, via: req.memberVia ?? 'token' };
  if (req.node) return { actorType: 'node', actorId: req.node.id, actorName: req.node.name, via: 'token' };
  return { actorType: 'anonymous', actorId: null, actorName: null, via: null };
}

/** The route's parameters, bounded (a refused request's parameters were never validated). */
export function paramsOf(req: Request): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries((req.params ?? {}) as Record<string, unknown>).slice(0, MAX_PARAMS)) {
    if (typeof v === 'string') out[k.slice(0, 50)] = v.slice(0, MAX_PARAM_LENGTH);
  }
  return out;
}

/** The audit row of a request that has been answered, or null when it is not audited (reads; no route answered). */
export function auditEventOf(req: AuditedRequest, res: Response, occurredAt: Date): NewAuditEvent | null {
  if (!isStateChanging(req.method)) return null;
  const route = routeOf(req);
  if (route === 'unmatched' || route === '/static') return null;
  const params = paramsOf(req);
  const status = res.writableFinished || res.headersSent ? res.statusCode : 499;
  return {
    occurredAt,
    ...actorOfRequest(req, res),
    method: req.method.slice(0, 8),
    route: route.slice(0, 200),
    params,
    resources: [...new Set(Object.values(params))],
    status,
    code: status >= 400 ? ((res.locals.problemCode as string | undefined)?.slice(0, 64) ?? null) : null,
    requestId: (res.locals.requestId as string | undefined) ?? null,
  };
}

/** How many rows one write of the trail takes at most, and how long an event waits for others. */
export const AUDIT_BATCH_ROWS = 200;
export const AUDIT_BATCH_MS = 20;

/**
 * The audit trail, kept once at the edge: every state-changing request that reached a route
 * (admin, member, node, session), succeeded or refused, becomes one `audit_events` row with who,
 * what (method, route template, parameters), the status and the request id. It is an Express
 * middleware rather than a Nest interceptor because interceptors run after guards: a request a
 * guard refuses (a viewer's write, a revoked token) never reaches one. The row is written when the
 * answer has been sent, from what the guards put on the request; a failed write is logged and
 * never fails the request.
 *
 * Rows are written in small batches (one INSERT for up to AUDIT_BATCH_ROWS events, at most
 * AUDIT_BATCH_MS after the first): under a crowd of pledges a row per request was one more round
 * trip and one more commit each. Reading the trail and shutting down write what waits first.
 */
@Injectable()
export class AuditTrail implements OnApplicationShutdown {
  private readonly logger = new Logger('Audit');
  private pending: NewAuditEvent[] = [];
  private timer: NodeJS.Timeout | null = null;
  private writing: Promise<void> = Promise.resolve();

  constructor(private readonly audit: AuditRepository) {}

  readonly middleware = (req: Request, res: Response, next: NextFunction): void => {
    if (!isStateChanging(req.method)) return next();
    const occurredAt = new Date();
    let done = false;
    const finished = () => {
      if (done) return;
      done = true;
      const event = auditEventOf(req as AuditedRequest, res, occurredAt);
      if (event) this.add(event);
    };
    res.once('finish', finished);
    res.once('close', finished);
    next();
  };

  private add(event: NewAuditEvent): void {
    this.pending.push(event);
    if (this.pending.length >= AUDIT_BATCH_ROWS) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), AUDIT_BATCH_MS);
  }

  /** Writes every event waiting (in order with the writes before); resolves once they are written or logged as lost. */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const batch = this.pending;
    this.pending = [];
    if (batch.length > 0) {
      this.writing = this.writing.then(() =>
        this.audit.recordMany(batch).catch((err: unknown) => {
          const ids = batch.map((e) => `${e.method} ${e.route} (${e.requestId ?? 'no request id'})`).slice(0, 5).join(', ');
          this.logger.error(`${batch.length} audit events not recorded (${ids}${batch.length > 5 ? ', …' : ''}): ${err instanceof Error ? err.message : String(err)}`);
        }),
      );
    }
    return this.writing;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.flush();
  }
}
