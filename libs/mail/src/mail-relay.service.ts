import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown, Optional } from '@nestjs/common';
import { ClaimedMail, MailOutboxRepository } from '@app/db';
import { metrics } from '@app/observability';
import { Mailer, MailOutbox, MailRejectedError } from './mailer.service';

/** Knobs of the relay (tests shorten them). */
export class MailRelayOptions {
  /** Idle poll interval; mail queued in this process is sent at once regardless. */
  pollMs = 1_000;
  /** Messages claimed per batch (sent concurrently over the pooled transport). */
  batchSize = 20;
  /** A claim older than this is taken over (the relay that held it died mid-send). */
  claimSeconds = 120;
  /** First retry after a temporary failure; doubles per attempt up to `maxBackoffMs`. */
  firstBackoffMs = 5_000;
  maxBackoffMs = 10 * 60_000;
  /** A message not sent within this window is marked `failed` (and logged). */
  giveUpAfterMs = 12 * 3_600_000;
}

/**
 * Sends what `MailOutbox` queued. Runs in the worker process (any number of workers: rows are
 * claimed with `FOR UPDATE SKIP LOCKED`, so each is sent by one relay). A temporary failure puts
 * the row back with a later `next_attempt_at` (exponential backoff); a 5xx refusal marks it
 * `rejected`; after `giveUpAfterMs` it is `failed`. A relay killed mid-send leaves a claim that
 * another relay takes over once stale: the message may then go out twice with the same
 * Message-ID (mail clients fold it), never zero times.
 */
@Injectable()
export class MailRelay implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(MailRelay.name);
  private running = false;
  private loop?: Promise<void>;
  private wakeUp?: () => void;
  private unsubscribe?: () => void;
  private readonly opts: MailRelayOptions;

  constructor(
    private readonly rows: MailOutboxRepository,
    private readonly mailer: Mailer,
    private readonly outbox: MailOutbox,
    @Optional() @Inject(MailRelayOptions) opts?: MailRelayOptions,
  ) {
    this.opts = opts ?? new MailRelayOptions();
  }

  onApplicationBootstrap(): void {
    this.running = true;
    this.unsubscribe = this.outbox.onQueued(() => this.wakeUp?.());
    this.loop = this.run();
  }

  async onApplicationShutdown(): Promise<void> {
    this.running = false;
    this.unsubscribe?.();
    this.wakeUp?.();
    await this.loop;
  }

  private async run(): Promise<void> {
    while (this.running) {
      let sent = 0;
      try {
        sent = await this.drainOnce();
      } catch (err) {
        this.logger.warn(`mail relay: ${err instanceof Error ? err.message : String(err)}`);
      }
      if (sent === 0 && this.running) await this.idle();
    }
  }

  private idle(): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, this.opts.pollMs);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = done;
    });
  }

  /** Claims one batch of due messages and sends them; returns how many were claimed. */
  async drainOnce(): Promise<number> {
    const claimed = await this.rows.claimDue(this.opts.batchSize, this.opts.claimSeconds);
    await Promise.all(claimed.map((row) => this.deliver(row)));
    return claimed.length;
  }

  private async deliver(row: ClaimedMail): Promise<void> {
    try {
      const { response } = await this.mailer.send({ key: row.key, to: row.recipient, subject: row.subject, text: row.text, html: row.html, messageId: row.messageId });
      metrics.mailSent.inc();
      await this.rows.markSent(row.key, response);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (err instanceof MailRejectedError) {
        await this.rows.markRejected(row.key, message);
        metrics.mailFailed.inc({ reason: 'rejected' });
        this.logger.warn(`mail ${row.key} to ${row.recipient} refused for good: ${message}`);
        return;
      }
      const backoff = Math.min(this.opts.firstBackoffMs * 2 ** Math.max(0, row.attempts - 1), this.opts.maxBackoffMs);
      const givingUp = row.ageMs + backoff > this.opts.giveUpAfterMs;
      await this.rows.retryLater(row.key, message, backoff / 1000, givingUp);
      metrics.mailFailed.inc({ reason: givingUp ? 'expired' : 'retry' });
      if (givingUp) this.logger.error(`mail ${row.key} to ${row.recipient} not sent after ${row.attempts} attempts; giving up: ${message}`);
    }
  }
}
