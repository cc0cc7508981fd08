import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown, Optional } from '@nestjs/common';
import { ClaimedMail, MailOutboxRepository } from '@app/db';
import { metrics } from '@app/observability';
import { Mailer, MailOutbox, MailRejectedError, MailServerUnavailableError } from './mailer.service';

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
  /**
   * The SMTP server unreachable: the relay pauses this long before it tries again with one message,
   * doubling per failed try up to `maxServerPauseMs` (its first pause is `firstBackoffMs`).
   */
  maxServerPauseMs = 60_000;
}

type Outcome = 'sent' | 'rejected' | 'later' | 'server-down';

/**
 * Sends what `MailOutbox` queued. Runs in the worker process (any number of workers: rows are
 * claimed with `FOR UPDATE SKIP LOCKED`, so each is sent by one relay). A temporary failure puts
 * the row back with a later `next_attempt_at` (exponential backoff); a 5xx refusal marks it
 * `rejected`; after `giveUpAfterMs` it is `failed`. A relay killed mid-send leaves a claim that
 * another relay takes over once stale: the message may then go out twice with the same
 * Message-ID (mail clients fold it), never zero times.
 *
 * An SMTP server that is down (refused, timed out, DNS, TLS, login) pauses the whole relay, the way
 * an MTA defers a destination that does not answer: while paused it claims nothing, then it tries
 * one message; the first that goes through resumes full batches. Without this, every queued
 * message was composed and tried on its own backoff: 6,000 queued messages kept a worker busy a
 * third of a core for as long as the server was down. A message tried while the server was down
 * keeps its place (due again at once, its attempt counted), so mail waits for the server and not
 * for its own backoff.
 */
@Injectable()
export class MailRelay implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(MailRelay.name);
  private running = false;
  private loop?: Promise<void>;
  private wakeUp?: () => void;
  private unsubscribe?: () => void;
  private readonly opts: MailRelayOptions;
  /** Tries in a row that found the SMTP server down (0: it answers), and until when the relay rests. */
  private serverDownTries = 0;
  private pausedUntil = 0;

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

  /**
   * Claims one batch of due messages and sends them; returns how many were claimed. Claims nothing
   * while paused for a server that is down, and one message (to probe it) after such a pause.
   */
  async drainOnce(): Promise<number> {
    if (Date.now() < this.pausedUntil) return 0;
    const claimed = await this.rows.claimDue(this.serverDownTries > 0 ? 1 : this.opts.batchSize, this.opts.claimSeconds);
    const outcomes = await Promise.all(claimed.map((row) => this.deliver(row)));
    if (outcomes.includes('server-down')) {
      this.serverDownTries++;
      const pause = Math.min(this.opts.firstBackoffMs * 2 ** (this.serverDownTries - 1), this.opts.maxServerPauseMs);
      this.pausedUntil = Date.now() + pause;
      if (this.serverDownTries === 1) this.logger.warn(`mail relay: the SMTP server is unavailable; pausing ${pause / 1000} s, then trying one message at a time (the pause doubles up to ${this.opts.maxServerPauseMs / 1000} s)`);
    } else if (outcomes.length > 0 && this.serverDownTries > 0) {
      this.logger.log(`mail relay: the SMTP server answers again after ${this.serverDownTries} tries; sending`);
      this.serverDownTries = 0;
    }
    return claimed.length;
  }

  private async deliver(row: ClaimedMail): Promise<Outcome> {
    try {
      const { response } = await this.mailer.send({ key: row.key, to: row.recipient, subject: row.subject, text: row.text, html: row.html, messageId: row.messageId });
      metrics.mailSent.inc();
      await this.rows.markSent(row.key, response);
      return 'sent';
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (err instanceof MailRejectedError) {
        await this.rows.markRejected(row.key, message);
        metrics.mailFailed.inc({ reason: 'rejected' });
        this.logger.warn(`mail ${row.key} to ${row.recipient} refused for good: ${message}`);
        return 'rejected';
      }
      const serverDown = err instanceof MailServerUnavailableError;
      // The server down: due again at once (the relay's pause paces the tries), not on this message's backoff.
      const backoff = serverDown ? 0 : Math.min(this.opts.firstBackoffMs * 2 ** Math.max(0, row.attempts - 1), this.opts.maxBackoffMs);
      const givingUp = row.ageMs + backoff > this.opts.giveUpAfterMs;
      await this.rows.retryLater(row.key, message, backoff / 1000, givingUp);
      metrics.mailFailed.inc({ reason: givingUp ? 'expired' : serverDown ? 'server-down' : 'retry' });
      if (givingUp) this.logger.error(`mail ${row.key} to ${row.recipient} not sent after ${row.attempts} attempts; giving up: ${message}`);
      return serverDown ? 'server-down' : 'later';
    }
  }
}
