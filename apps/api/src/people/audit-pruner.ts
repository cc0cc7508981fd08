import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '@app/config';
import { AuditRepository } from '@app/db';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Rows one DELETE takes, and DELETEs one pass makes at most (a backlog is worked off over hours). */
export const AUDIT_PRUNE_BATCH = 5_000;
export const AUDIT_PRUNE_BATCHES_PER_PASS = 40;

/**
 * Keeps the audit trail to `AUDIT_RETENTION_DAYS` (0, the default, keeps every row): a pass a
 * minute after start and then hourly deletes older rows in batches, oldest first. Each API process
 * prunes; they skip each other's rows, so the work is shared, not repeated. The trail grows by one
 * row per state-changing request (a crowd round's pledges included), about 0.5 KB with its indexes.
 */
@Injectable()
export class AuditPruner implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Audit');
  private timers: NodeJS.Timeout[] = [];
  private running: Promise<number> | null = null;

  constructor(
    private readonly audit: AuditRepository,
    @Inject(AppConfig) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.auditRetentionDays === 0) return;
    const pass = () => void this.prune().catch((err: unknown) => this.logger.error(`pruning the audit trail failed: ${err instanceof Error ? err.message : String(err)}`));
    this.timers.push(setTimeout(pass, 60_000).unref(), setInterval(pass, HOUR).unref());
  }

  /** One pass (or the one under way): deletes rows older than the retention; how many. */
  prune(now = new Date()): Promise<number> {
    this.running ??= this.pass(new Date(now.getTime() - this.config.auditRetentionDays * DAY)).finally(() => (this.running = null));
    return this.running;
  }

  private async pass(before: Date): Promise<number> {
    let deleted = 0;
    for (let i = 0; i < AUDIT_PRUNE_BATCHES_PER_PASS; i++) {
      const n = await this.audit.pruneBefore(before, AUDIT_PRUNE_BATCH);
      deleted += n;
      if (n < AUDIT_PRUNE_BATCH) break;
    }
    if (deleted > 0) this.logger.log(`${deleted} audit rows older than ${before.toISOString()} deleted (AUDIT_RETENTION_DAYS=${this.config.auditRetentionDays})`);
    return deleted;
  }

  async onApplicationShutdown(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    await this.running?.catch(() => undefined);
  }
}
