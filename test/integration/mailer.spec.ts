/**
 * The mail outbox and its relay against a real PostgreSQL and real SMTP servers: a message is
 * queued once per key however often it is attempted and sent once; an SMTP outage puts it back
 * for a later attempt (nothing waits for it); a permanent refusal (5xx) is recorded and not
 * retried; two relays never send the same row twice; a relay that died mid-send is taken over.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';
import { DataSource } from 'typeorm';
import { AppConfig, loadConfig } from '@app/config';
import { dataSourceOptions, MailOutboxRepository } from '@app/db';
import { Mailer, MailOutbox, MailRelay, MailRelayOptions } from '@app/mail';
import { MailCatcherHandle, startMailCatcher } from '../../libs/dev-stack/src/mail-catcher';
import { createTestDatabase, TestDatabase } from '../support/database';

const mail = (key: string, to: string) => ({ key, to, subject: 'Decision needed: test', text: 'Hello', html: '<p>Hello</p>' });

describe('MailOutbox and MailRelay (mail_outbox)', () => {
  let db: TestDatabase;
  let ds: DataSource;
  let catcher: MailCatcherHandle;
  let dir: string;
  const configFor = (smtpUrl: string): AppConfig => loadConfig({ DATABASE_URL: db.url, SMTP_URL: smtpUrl, MAIL_FROM: 'DPN <no-reply@dpn.test>' });
  const outbox = () => new MailOutbox(new MailOutboxRepository(ds), configFor(catcher.smtpUrl));
  /** A relay over `smtpUrl`, driven by hand with drainOnce (never started). */
  const relayFor = (smtpUrl: string, opts: Partial<MailRelayOptions> = {}) => {
    const mailer = new Mailer(configFor(smtpUrl));
    const relay = new MailRelay(new MailOutboxRepository(ds), mailer, outbox(), Object.assign(new MailRelayOptions(), opts));
    return { relay, close: () => mailer.onModuleDestroy() };
  };
  const row = async (key: string) =>
    (await db.query<{ status: string; attempts: number; last_error: string | null; message_id: string; due_in_s: number }>(
      `SELECT status, attempts, last_error, message_id, EXTRACT(EPOCH FROM next_attempt_at - now())::int AS due_in_s FROM mail_outbox WHERE key = $1`,
      [key],
    ))[0];
  const received = async (to: string) => (await catcher.messages()).filter((m) => m.envelopeTo.includes(to));

  beforeAll(async () => {
    db = await createTestDatabase();
    ds = await new DataSource(dataSourceOptions(db.url)).initialize();
    dir = await mkdtemp(join(tmpdir(), 'dpn-mailer-'));
    catcher = await startMailCatcher({ storeDir: dir, smtpPort: 0, uiPort: 0 });
  });
  afterAll(async () => {
    await catcher?.stop();
    await ds?.destroy();
    await db?.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it('queues a key once, however often and however concurrently it is attempted, and sends it once', async () => {
    const results = await Promise.all([1, 2, 3, 4, 5].map(() => outbox().enqueue(mail('test:once:a', 'a@example.org'))));
    expect(results.filter((r) => r === 'queued')).toHaveLength(1);
    expect(results.filter((r) => r === 'already-queued')).toHaveLength(4);
    const { relay, close } = relayFor(catcher.smtpUrl);
    expect(await relay.drainOnce()).toBe(1);
    expect(await relay.drainOnce()).toBe(0);
    expect(await outbox().enqueue(mail('test:once:a', 'a@example.org'))).toBe('already-queued');
    expect(await relay.drainOnce()).toBe(0);
    expect(await received('a@example.org')).toHaveLength(1);
    const r = await row('test:once:a');
    expect(r.status).toBe('sent');
    expect(r.message_id).toMatch(/^<[0-9a-f]{32}@dpn\.test>$/);
    close();
  });

  it('an SMTP outage puts the message back, due again at once; the relay pauses, tries one message at a time, and sends once SMTP is back', async () => {
    const keys = ['test:outage:b1', 'test:outage:b2', 'test:outage:b3'];
    await outbox().enqueueMany(keys.map((k, i) => mail(k, `b${i + 1}@example.org`)));
    const down = relayFor('smtp://127.0.0.1:9', { firstBackoffMs: 300, maxServerPauseMs: 300 }); // nothing listens on the discard port
    expect(await down.relay.drainOnce()).toBe(3);
    for (const key of keys) {
      const r = await row(key);
      expect(r).toMatchObject({ status: 'queued', attempts: 1 });
      expect(r.last_error).toMatch(/ECONNREFUSED|connect/i);
      expect(r.due_in_s).toBeLessThanOrEqual(0); // its place kept: not pushed back by its own backoff
    }
    // Paused: nothing claimed, though all three are due.
    expect(await down.relay.drainOnce()).toBe(0);
    expect((await db.query<{ n: number }>(`SELECT sum(attempts)::int AS n FROM mail_outbox WHERE key = ANY($1)`, [keys]))[0].n).toBe(3);
    // After the pause: one message tries the server, not the batch.
    await new Promise((r) => setTimeout(r, 350));
    expect(await down.relay.drainOnce()).toBe(1);
    expect((await db.query<{ n: number }>(`SELECT sum(attempts)::int AS n FROM mail_outbox WHERE key = ANY($1)`, [keys]))[0].n).toBe(4);
    down.close();

    const up = relayFor(catcher.smtpUrl);
    expect(await up.relay.drainOnce()).toBe(3);
    for (const key of keys) expect((await row(key)).status).toBe('sent');
    for (let i = 1; i <= 3; i++) expect(await received(`b${i}@example.org`)).toHaveLength(1);
    up.close();
  });

  it('records a permanent refusal (5xx) and does not try that key again', async () => {
    const strict = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onRcptTo(address, _session, callback) {
        const err = Object.assign(new Error('5.1.1 no such mailbox'), { responseCode: 550 });
        callback(address.address.startsWith('gone@') ? err : undefined);
      },
    });
    await new Promise<void>((r) => strict.listen(0, '127.0.0.1', r));
    const port = (strict.server.address() as AddressInfo).port;
    const { relay, close } = relayFor(`smtp://127.0.0.1:${port}`);
    try {
      await outbox().enqueue(mail('test:gone:c', 'gone@example.org'));
      expect(await relay.drainOnce()).toBe(1);
      expect(await row('test:gone:c')).toMatchObject({ status: 'rejected', attempts: 1 });
      await db.query(`UPDATE mail_outbox SET next_attempt_at = now() - interval '1 hour' WHERE key = 'test:gone:c'`);
      expect(await relay.drainOnce()).toBe(0);
    } finally {
      close();
      await new Promise<void>((r) => strict.close(() => r()));
    }
  });

  it('two relays draining at once send each message exactly once', async () => {
    const keys = Array.from({ length: 60 }, (_, i) => `test:pair:${i}`);
    expect(await outbox().enqueueMany(keys.map((k, i) => mail(k, `pair${i}@example.org`)))).toBe(60);
    const a = relayFor(catcher.smtpUrl, { batchSize: 7 });
    const b = relayFor(catcher.smtpUrl, { batchSize: 7 });
    const drain = async (r: MailRelay) => {
      let n = 0;
      for (let k; (k = await r.drainOnce()) > 0; ) n += k;
      return n;
    };
    const [na, nb] = await Promise.all([drain(a.relay), drain(b.relay)]);
    expect(na + nb).toBe(60);
    const msgs = (await catcher.messages()).filter((m) => m.envelopeTo.some((t) => t.startsWith('pair')));
    expect(msgs).toHaveLength(60);
    expect(new Set(msgs.map((m) => m.envelopeTo[0])).size).toBe(60);
    a.close();
    b.close();
  });

  it('takes over a stale claim (a relay died mid-send) and sends the message with the same Message-ID', async () => {
    await outbox().enqueue(mail('test:stale:d', 'd@example.org'));
    // A relay claimed it and died before marking it sent.
    await db.query(`UPDATE mail_outbox SET status = 'sending', attempts = 1, claimed_at = now() - interval '10 minutes' WHERE key = 'test:stale:d'`);
    const { relay, close } = relayFor(catcher.smtpUrl, { claimSeconds: 120 });
    expect(await relay.drainOnce()).toBe(1);
    expect(await row('test:stale:d')).toMatchObject({ status: 'sent', attempts: 2 });
    close();
    // A fresh claim is left alone.
    await outbox().enqueue(mail('test:stale:e', 'e@example.org'));
    await db.query(`UPDATE mail_outbox SET status = 'sending', claimed_at = now() WHERE key = 'test:stale:e'`);
    const other = relayFor(catcher.smtpUrl, { claimSeconds: 120 });
    expect(await other.relay.drainOnce()).toBe(0);
    other.close();
  });

  it('gives up on a message it could not send within the retry window (failed, logged)', async () => {
    await outbox().enqueue(mail('test:old:f', 'f@example.org'));
    await db.query(`UPDATE mail_outbox SET created_at = now() - interval '13 hours' WHERE key = 'test:old:f'`);
    const down = relayFor('smtp://127.0.0.1:9', { giveUpAfterMs: 12 * 3_600_000 });
    expect(await down.relay.drainOnce()).toBe(1);
    expect((await row('test:old:f')).status).toBe('failed');
    down.close();
  });

  it('queues in the caller’s transaction: nothing is queued when the business change rolls back', async () => {
    await ds
      .transaction(async (m) => {
        await outbox().enqueue(mail('test:tx:g', 'g@example.org'), m);
        throw new Error('the business change failed');
      })
      .catch(() => undefined);
    expect(await row('test:tx:g')).toBeUndefined();
  });
});
