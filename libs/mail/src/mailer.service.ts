import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { createHash } from 'node:crypto';
import nodemailer, { Transporter } from 'nodemailer';
import type { EntityManager } from 'typeorm';
import { AppConfig } from '@app/config';
import { MailOutboxRepository } from '@app/db';

export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  html: string;
}

/** A message under its business key (e.g. `decision:<id>:prompt:<member>`): queued once per key. */
export interface KeyedMail extends OutgoingMail {
  key: string;
}

export type EnqueueResult = 'queued' | 'already-queued';

/** The SMTP server refused the message for good (a 5xx answer): retrying will not help. */
export class MailRejectedError extends Error {
  override name = 'MailRejectedError';
}

/**
 * The SMTP server could not be reached or would not talk (connection refused or timed out, DNS,
 * TLS, login, 421 "service not available"): nothing about this message is wrong, and every other
 * message would fail the same way until the server is back.
 */
export class MailServerUnavailableError extends Error {
  override name = 'MailServerUnavailableError';
}

/** nodemailer's codes for a server that is not there or not talking (the message never reached it). */
const SERVER_DOWN_CODES = new Set(['ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'EDNS', 'ETLS', 'EAUTH', 'ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

/** The domain of the sender address, used in Message-IDs. */
function senderDomain(mailFrom: string): string {
  return /@([^>\s]+)>?\s*$/.exec(mailFrom)?.[1] ?? 'dpn.localhost';
}

/** The Message-ID of a key: the same on every attempt, so a rare duplicate is folded by mail clients. */
export function messageIdFor(key: string, mailFrom: string): string {
  return `<${createHash('sha256').update(key).digest('hex').slice(0, 32)}@${senderDomain(mailFrom)}>`;
}

/**
 * The mail outbox (`mail_outbox`): every email the system sends is first a row here, inserted
 * once per business key. Queuing is a database write that never waits for SMTP, so an SMTP outage
 * holds no business outcome (a decision closes, a job goes on); the worker's `MailRelay` sends
 * the rows. Pass an `EntityManager` to queue in the caller's transaction (mail goes out only if
 * the business change commits).
 */
@Injectable()
export class MailOutbox {
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly rows: MailOutboxRepository,
    @Inject(AppConfig) private readonly config: AppConfig,
  ) {}

  async enqueue(mail: KeyedMail, m?: EntityManager): Promise<EnqueueResult> {
    return (await this.enqueueMany([mail], m)) === 1 ? 'queued' : 'already-queued';
  }

  /** Queues many messages in one statement per 500; returns how many keys were new. */
  async enqueueMany(mails: KeyedMail[], m?: EntityManager): Promise<number> {
    const inserted = await this.rows.queue(
      mails.map((mail) => ({ key: mail.key, recipient: mail.to, subject: mail.subject.slice(0, 300), messageId: messageIdFor(mail.key, this.config.mailFrom), text: mail.text, html: mail.html })),
      m,
    );
    if (inserted > 0) for (const wake of this.listeners) wake();
    return inserted;
  }

  /** Called when this process queued mail (the relay in the same process sends it at once). */
  onQueued(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/** The SMTP side: one message over the configured server, with bounded timeouts. */
@Injectable()
export class Mailer implements OnModuleDestroy {
  private readonly transport: Transporter;
  readonly from: string;

  constructor(@Inject(AppConfig) config: AppConfig) {
    // Bounded timeouts (nodemailer's default socket timeout is 10 minutes); a small pool of
    // connections so a relay sending thousands of messages does not reconnect for each.
    this.transport = nodemailer.createTransport(
      { url: config.smtpUrl, pool: true, maxConnections: 3, connectionTimeout: 15_000, greetingTimeout: 15_000, socketTimeout: 60_000 } as Parameters<typeof nodemailer.createTransport>[0],
      { from: config.mailFrom },
    );
    this.from = config.mailFrom;
  }

  /**
   * Sends one message. A 5xx refusal is a `MailRejectedError`; a server that is not there or not
   * talking is a `MailServerUnavailableError`; anything else is a temporary failure of this message.
   */
  async send(mail: OutgoingMail & { key: string; messageId: string }): Promise<{ response: string | null }> {
    try {
      const info = (await this.transport.sendMail({
        from: this.from,
        to: mail.to,
        subject: mail.subject,
        text: mail.text,
        html: mail.html,
        messageId: mail.messageId,
        headers: { 'X-DPN-Key': mail.key },
      })) as { response?: string };
      return { response: info.response ?? null };
    } catch (err) {
      const { responseCode, code, command } = err as { responseCode?: number; code?: string; command?: string };
      const message = err instanceof Error ? err.message : String(err);
      if (typeof responseCode === 'number' && responseCode >= 500) throw new MailRejectedError(message);
      if (responseCode === 421 || command === 'CONN' || (code !== undefined && SERVER_DOWN_CODES.has(code))) throw new MailServerUnavailableError(message);
      throw err;
    }
  }

  onModuleDestroy(): void {
    this.transport.close();
  }
}
