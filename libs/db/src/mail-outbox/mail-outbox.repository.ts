import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';

/** One message to queue under its business key. */
export interface OutboxRow {
  key: string;
  recipient: string;
  subject: string;
  messageId: string;
  text: string;
  html: string;
}

/** A message claimed for sending. */
export interface ClaimedMail {
  key: string;
  recipient: string;
  subject: string;
  messageId: string;
  text: string;
  html: string;
  /** Claims so far, this one included. */
  attempts: number;
  /** Since it was first queued. */
  ageMs: number;
}

/**
 * The mail outbox (`mail_outbox`): every email is a row first, queued once per key; relays claim
 * due rows with `FOR UPDATE SKIP LOCKED` (each is sent by one relay), and record how it went.
 */
@Injectable()
export class MailOutboxRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /**
   * Queues messages, one statement per 500, in the caller's transaction when given one. Returns
   * how many keys were new (a key queued before is left alone).
   */
  async queue(rows: OutboxRow[], m: EntityManager = this.ds.manager): Promise<number> {
    let inserted = 0;
    for (let i = 0; i < rows.length; i += 500) {
      const chunk = rows.slice(i, i + 500);
      const params: unknown[] = [];
      const values = chunk.map((r) => {
        params.push(r.key, r.recipient, r.subject, r.messageId, r.text, r.html);
        const n = params.length;
        return `($${n - 5}, $${n - 4}, $${n - 3}, 'queued', $${n - 2}, $${n - 1}, $${n})`;
      });
      const result = (await m.query(
        `INSERT INTO mail_outbox (key, recipient, subject, status, message_id, body_text, body_html)
         VALUES ${values.join(', ')}
         ON CONFLICT (key) DO UPDATE
           SET body_text = EXCLUDED.body_text, body_html = EXCLUDED.body_html, status = 'queued', next_attempt_at = now()
           -- a row claimed by the mailer before the relay existed, never sent: it gets its body now
           WHERE mail_outbox.body_text IS NULL AND mail_outbox.status = 'sending'
         RETURNING key`,
        params,
      )) as unknown[];
      inserted += result.length;
    }
    return inserted;
  }

  /** Claims up to `limit` due messages (queued and due, or claimed longer ago than `staleAfterSeconds`). */
  async claimDue(limit: number, staleAfterSeconds: number): Promise<ClaimedMail[]> {
    const result = (await this.ds.query(
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
      [limit, staleAfterSeconds],
    )) as [ClaimedRow[], number] | ClaimedRow[];
    // UPDATE … RETURNING through TypeORM's query() yields [rows, count].
    const claimed: ClaimedRow[] = Array.isArray(result[0]) ? (result[0] as ClaimedRow[]) : (result as ClaimedRow[]);
    return claimed.map((r) => ({
      key: r.key,
      recipient: r.recipient,
      subject: r.subject,
      messageId: r.message_id,
      text: r.body_text ?? '',
      html: r.body_html ?? '',
      attempts: r.attempts,
      ageMs: Number(r.age_ms),
    }));
  }

  async markSent(key: string, smtpResponse: string | null): Promise<void> {
    await this.ds.query(`UPDATE mail_outbox SET status = 'sent', sent_at = now(), claimed_at = NULL, smtp_response = $2, last_error = NULL WHERE key = $1`, [key, smtpResponse]);
  }

  /** Refused for good by the SMTP server. */
  async markRejected(key: string, error: string): Promise<void> {
    await this.ds.query(`UPDATE mail_outbox SET status = 'rejected', claimed_at = NULL, last_error = $2 WHERE key = $1`, [key, error]);
  }

  /** A temporary failure: due again after `backoffSeconds`, or `failed` when the relay gives up. */
  async retryLater(key: string, error: string, backoffSeconds: number, giveUp: boolean): Promise<void> {
    await this.ds.query(`UPDATE mail_outbox SET status = $2, claimed_at = NULL, last_error = $3, next_attempt_at = now() + make_interval(secs => $4) WHERE key = $1`, [
      key,
      giveUp ? 'failed' : 'queued',
      error,
      backoffSeconds,
    ]);
  }
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
