import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createHash } from 'node:crypto';
import nodemailer, { Transporter } from 'nodemailer';
import { DataSource } from 'typeorm';
import { AppConfig } from '@app/config';
import { MailOutboxEntity } from '@app/db';

export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  html: string;
}

export type SendResult = { status: 'sent'; messageId: string } | { status: 'already-sent'; messageId: string };

/** The SMTP server refused the message for good (a 5xx answer): retrying will not help. */
export class MailRejectedError extends Error {
  override name = 'MailRejectedError';
}

/** Another attempt is sending this key right now: retry later (it will then be `already-sent`). */
export class MailInFlightError extends Error {
  override name = 'MailInFlightError';
}

/**
 * How long a claim on a key holds. Longer than one SMTP exchange can take with the timeouts
 * below, so two attempts (a retry after an activity timeout) never send at the same time.
 */
const CLAIM_SECONDS = 120;

/**
 * Sends email through nodemailer over SMTP (`SMTP_URL`: the local catcher by default), once per
 * business key. The key is claimed in `mail_outbox` first (a short lease, so two attempts never
 * send at once); a retry that finds it `sent` sends nothing. The Message-ID is derived from the key, so in the one window left (SMTP accepted the
 * message, then the process died before marking it sent) a duplicate still carries the same
 * Message-ID and mail clients fold it.
 */
@Injectable()
export class Mailer implements OnModuleDestroy {
  private readonly logger = new Logger(Mailer.name);
  private readonly transport: Transporter;
  private readonly from: string;
  private readonly domain: string;

  constructor(
    @Inject(AppConfig) config: AppConfig,
    @InjectDataSource() private readonly ds: DataSource,
  ) {
    // Bounded timeouts (nodemailer's default socket timeout is 10 minutes): one exchange fits the claim.
    this.transport = nodemailer.createTransport(
      { url: config.smtpUrl, connectionTimeout: 15_000, greetingTimeout: 15_000, socketTimeout: 60_000 } as Parameters<typeof nodemailer.createTransport>[0],
      { from: config.mailFrom },
    );
    this.from = config.mailFrom;
    this.domain = /@([^>\s]+)>?\s*$/.exec(config.mailFrom)?.[1] ?? 'dpn.localhost';
  }

  async sendOnce(key: string, mail: OutgoingMail): Promise<SendResult> {
    const messageId = `<${createHash('sha256').update(key).digest('hex').slice(0, 32)}@${this.domain}>`;
    // Claim the key: a new row, or an unsent one whose previous claim was released or is stale.
    const claimed = (await this.ds.query(
      `INSERT INTO mail_outbox (key, recipient, subject, status, message_id, attempts, claimed_at)
       VALUES ($1, $2, $3, 'sending', $4, 1, now())
       ON CONFLICT (key) DO UPDATE SET attempts = mail_outbox.attempts + 1, claimed_at = now()
         WHERE mail_outbox.status = 'sending'
           AND (mail_outbox.claimed_at IS NULL OR mail_outbox.claimed_at < now() - make_interval(secs => $5))
       RETURNING status`,
      [key, mail.to, mail.subject.slice(0, 300), messageId, CLAIM_SECONDS],
    )) as Array<{ status: MailOutboxEntity['status'] }>;
    if (claimed.length === 0) {
      const [row] = (await this.ds.query('SELECT status FROM mail_outbox WHERE key = $1', [key])) as Array<{ status: MailOutboxEntity['status'] }>;
      if (row?.status === 'sent') return { status: 'already-sent', messageId };
      if (row?.status === 'rejected') throw new MailRejectedError(`${mail.to} was refused before; not sending ${key} again`);
      throw new MailInFlightError(`mail ${key} is being sent by another attempt`);
    }
    let info: { response?: string };
    try {
      info = (await this.transport.sendMail({
        from: this.from,
        to: mail.to,
        subject: mail.subject,
        text: mail.text,
        html: mail.html,
        messageId,
        headers: { 'X-DPN-Key': key },
      })) as { response?: string };
    } catch (err) {
      const code = (err as { responseCode?: number }).responseCode;
      const permanent = typeof code === 'number' && code >= 500;
      const message = err instanceof Error ? err.message : String(err);
      // Nothing was sent: release the claim, so the retry can send at once.
      await this.ds.query(`UPDATE mail_outbox SET status = $2, last_error = $3, claimed_at = NULL WHERE key = $1`, [key, permanent ? 'rejected' : 'sending', message]);
      this.logger.warn(`mail ${key} to ${mail.to} failed${permanent ? ' for good' : ''}: ${message}`);
      if (permanent) throw new MailRejectedError(message);
      throw err;
    }
    // Sent. If this update fails the claim stays held, so no retry sends again before it is stale.
    await this.ds.query(`UPDATE mail_outbox SET status = 'sent', sent_at = now(), claimed_at = NULL, smtp_response = $2, last_error = NULL WHERE key = $1`, [
      key,
      info.response ?? null,
    ]);
    return { status: 'sent', messageId };
  }

  onModuleDestroy(): void {
    this.transport.close();
  }
}
