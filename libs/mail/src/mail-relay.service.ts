import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown, Optional } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
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

interface ClaimedRow {
  key: string;
  recipient: string;
  subject: string;
  message_id: string;
  body_text: string | null;
  body_html: string | null;
  attempts: number;
  age_ms: string;
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
    @InjectDataSource() private readonly ds: DataSource,
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
    const rows = (await this.ds.query(
      `UPDATE mail_outbox o SET status = 'sending', claimed_at = now(), attempts = o.attempts + 1
        WHERE o.key IN (
          SELECT key FROM mail_outbox
           WHERE ((status = 'queued' AND next_attempt_at <= now())
              OR (status = 'sending' AND claimed_at < now() - make_interval(secs => $2)))
             AND body_text IS NOT NULL
           ORDER BY next_attempt_at
           LIMIT $1
           FOR UPDATE SKIP LOCKED)
        RETURNING o.key, o.recipient, o.subject, o.message_id, o.body_text, o.body_html, o.attempts,
                  (EXTRACT(EPOCH FROM now() - o.created_at) * 1000)::bigint::text AS age_ms`,
      [this.opts.batchSize, this.opts.claimSeconds],
    )) as [ClaimedRow[], number] | ClaimedRow[];
    // UPDATE … RETURNING through TypeORM's query() yields [rows, count].
    const claimed: ClaimedRow[] = Array.isArray(rows[0]) ? (rows[0] as ClaimedRow[]) : (rows as ClaimedRow[]);
    await Promise.all(claimed.map((row) => this.deliver(row)));
    return claimed.length;
  }

  private async deliver(row: ClaimedRow): Promise<void> {
    try {
      const { response } = await this.mailer.send({
        key: row.key,
        to: row.recipient,
        subject: row.subject,
        text: row.body_text ?? '',
        html: row.body_html ?? '',
        messageId: row.message_id,
      });
      metrics.mailSent.inc();
      await this.ds.query(`UPDATE mail_outbox SET status = 'sent', sent_at = now(), claimed_at = NULL, smtp_response = $2, last_error = NULL WHERE key = $1`, [row.key, response]);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (err instanceof MailRejectedError) {
        await this.ds.query(`UPDATE mail_outbox SET status = 'rejected', claimed_at = NULL, last_error = $2 WHERE key = $1`, [row.key, message]);
        metrics.mailFailed.inc({ reason: 'rejected' });
        this.logger.warn(`mail ${row.key} to ${row.recipient} refused for good: ${message}`);
        return;
      }
      const backoff = Math.min(this.opts.firstBackoffMs * 2 ** Math.max(0, row.attempts - 1), this.opts.maxBackoffMs);
      const givingUp = Number(row.age_ms) + backoff > this.opts.giveUpAfterMs;
      await this.ds.query(
        `UPDATE mail_outbox SET status = $2, claimed_at = NULL, last_error = $3, next_attempt_at = now() + make_interval(secs => $4) WHERE key = $1`,
        [row.key, givingUp ? 'failed' : 'queued', message, backoff / 1000],
      );
      metrics.mailFailed.inc({ reason: givingUp ? 'expired' : 'retry' });
      if (givingUp) this.logger.error(`mail ${row.key} to ${row.recipient} not sent after ${row.attempts} attempts; giving up: ${message}`);
    }
  }
}
