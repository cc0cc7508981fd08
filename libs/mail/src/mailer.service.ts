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

/**
 * Sends email through nodemailer over SMTP (`SMTP_URL`: the local catcher by default), once per
 * business key. The key is claimed in `mail_outbox` first; a retry that finds it `sent` sends
 * nothing. The Message-ID is derived from the key, so in the one window left (SMTP accepted the
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
    this.transport = nodemailer.createTransport(config.smtpUrl, { from: config.mailFrom });
    this.from = config.mailFrom;
    this.domain = /@([^>\s]+)>?\s*$/.exec(config.mailFrom)?.[1] ?? 'dpn.localhost';
  }

  async sendOnce(key: string, mail: OutgoingMail): Promise<SendResult> {
    const messageId = `<${createHash('sha256').update(key).digest('hex').slice(0, 32)}@${this.domain}>`;
    const [claimed] = (await this.ds.query(
      `INSERT INTO mail_outbox (key, recipient, subject, status, message_id, attempts)
       VALUES ($1, $2, $3, 'sending', $4, 1)
       ON CONFLICT (key) DO UPDATE SET attempts = mail_outbox.attempts + 1
       RETURNING status`,
      [key, mail.to, mail.subject.slice(0, 300), messageId],
    )) as Array<{ status: MailOutboxEntity['status'] }>;
    if (claimed.status === 'sent') return { status: 'already-sent', messageId };
    if (claimed.status === 'rejected') throw new MailRejectedError(`${mail.to} was refused before; not sending ${key} again`);
    try {
      const info = (await this.transport.sendMail({
        from: this.from,
        to: mail.to,
        subject: mail.subject,
        text: mail.text,
        html: mail.html,
        messageId,
        headers: { 'X-DPN-Key': key },
      })) as { response?: string };
      await this.ds.query(`UPDATE mail_outbox SET status = 'sent', sent_at = now(), smtp_response = $2, last_error = NULL WHERE key = $1`, [
        key,
        info.response ?? null,
      ]);
      return { status: 'sent', messageId };
    } catch (err) {
      const code = (err as { responseCode?: number }).responseCode;
      const permanent = typeof code === 'number' && code >= 500;
      const message = err instanceof Error ? err.message : String(err);
      await this.ds.query(`UPDATE mail_outbox SET status = $2, last_error = $3 WHERE key = $1`, [key, permanent ? 'rejected' : 'sending', message]);
      this.logger.warn(`mail ${key} to ${mail.to} failed${permanent ? ' for good' : ''}: ${message}`);
      if (permanent) throw new MailRejectedError(message);
      throw err;
    }
  }

  onModuleDestroy(): void {
    this.transport.close();
  }
}
