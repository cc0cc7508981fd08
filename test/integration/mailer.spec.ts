/**
 * Mailer against a real PostgreSQL and real SMTP servers: a message is sent once per key however
 * often it is retried; an SMTP outage is a retryable error that sends nothing twice later; a
 * permanent refusal (5xx) is recorded and not retried.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';
import { DataSource } from 'typeorm';
import { loadConfig } from '@app/config';
import { dataSourceOptions } from '@app/db';
import { Mailer, MailInFlightError, MailRejectedError } from '@app/mail';
import { MailCatcherHandle, startMailCatcher } from '../../libs/dev-stack/src/mail-catcher';
import { createTestDatabase, TestDatabase } from '../support/stack';

const mail = (to: string) => ({ to, subject: 'Decision needed: test', text: 'Hello', html: '<p>Hello</p>' });

describe('Mailer (mail_outbox)', () => {
  let db: TestDatabase;
  let ds: DataSource;
  let catcher: MailCatcherHandle;
  let dir: string;
  const mailerFor = (smtpUrl: string) =>
    new Mailer(loadConfig({ DATABASE_URL: db.url, SMTP_URL: smtpUrl, MAIL_FROM: 'DPN <no-reply@dpn.test>' }), ds);

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

  it('sends a key once, however often and however concurrently it is attempted', async () => {
    const mailer = mailerFor(catcher.smtpUrl);
    // Five attempts at once (an activity retried while the first attempt still runs): one sends.
    const racing = await Promise.allSettled([1, 2, 3, 4, 5].map(() => mailer.sendOnce('test:once:a', mail('a@example.org'))));
    const sent = racing.filter((r) => r.status === 'fulfilled' && r.value.status === 'sent');
    expect(sent).toHaveLength(1);
    for (const r of racing) {
      if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(MailInFlightError);
    }
    const again = await Promise.all([1, 2].map(() => mailer.sendOnce('test:once:a', mail('a@example.org'))));
    expect(again.map((r) => r.status)).toEqual(['already-sent', 'already-sent']);
    const received = (await catcher.messages()).filter((m) => m.envelopeTo.includes('a@example.org'));
    expect(received).toHaveLength(1);
    const [row] = await db.query<{ status: string; message_id: string }>("SELECT status, message_id FROM mail_outbox WHERE key = 'test:once:a'");
    expect(row).toMatchObject({ status: 'sent' });
    expect(row.message_id).toMatch(/^<[0-9a-f]{32}@dpn\.test>$/);
    mailer.onModuleDestroy();
  });

  it('an SMTP outage is a retryable error; the retry after it sends the mail once', async () => {
    const down = mailerFor('smtp://127.0.0.1:9'); // nothing listens on the discard port
    await expect(down.sendOnce('test:outage:b', mail('b@example.org'))).rejects.not.toBeInstanceOf(MailRejectedError);
    const [pending] = await db.query<{ status: string; last_error: string }>("SELECT status, last_error FROM mail_outbox WHERE key = 'test:outage:b'");
    expect(pending.status).toBe('sending');
    expect(pending.last_error).toMatch(/ECONNREFUSED|connect/i);
    down.onModuleDestroy();

    const up = mailerFor(catcher.smtpUrl);
    expect((await up.sendOnce('test:outage:b', mail('b@example.org'))).status).toBe('sent');
    expect((await up.sendOnce('test:outage:b', mail('b@example.org'))).status).toBe('already-sent');
    expect((await catcher.messages()).filter((m) => m.envelopeTo.includes('b@example.org'))).toHaveLength(1);
    up.onModuleDestroy();
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
    try {
      const mailer = mailerFor(`smtp://127.0.0.1:${port}`);
      await expect(mailer.sendOnce('test:gone:c', mail('gone@example.org'))).rejects.toBeInstanceOf(MailRejectedError);
      await expect(mailer.sendOnce('test:gone:c', mail('gone@example.org'))).rejects.toThrow('was refused before');
      const [row] = await db.query<{ status: string; attempts: number }>("SELECT status, attempts FROM mail_outbox WHERE key = 'test:gone:c'");
      expect(row).toMatchObject({ status: 'rejected', attempts: 1 });
      mailer.onModuleDestroy();
    } finally {
      await new Promise<void>((r) => strict.close(() => r()));
    }
  });
});
