import { Logger } from '@nestjs/common';
import { loadConfig } from '@app/config';
import { ClaimedMail, MailOutboxRepository } from '@app/db';
import { strictMock } from '../../../test/support/strict-mock';
import { MailRelay, MailRelayOptions } from './mail-relay.service';
import { Mailer, MailOutbox, MailRejectedError, MailServerUnavailableError, messageIdFor } from './mailer.service';

// Log lines of the code under test are not what these tests check.
beforeAll(() => Logger.overrideLogger(false));

const config = loadConfig({ DATABASE_URL: 'postgres://u:p@h:5432/d', MAIL_FROM: 'DPN <no-reply@dpn.test>' });
const claimed = (over: Partial<ClaimedMail> = {}): ClaimedMail => ({ key: 'k1', recipient: 'a@example.org', subject: 'Hi', messageId: '<m@dpn.test>', text: 'Hello', html: '<p>Hello</p>', attempts: 1, ageMs: 0, ...over });

describe('MailOutbox', () => {
  it('queues each message under its key with a stable Message-ID and a subject cut to the column; wakes a relay only for new keys', async () => {
    const rows = strictMock<MailOutboxRepository>();
    const outbox = new MailOutbox(rows, config);
    const wake = jest.fn();
    outbox.onQueued(wake);
    rows.queue.mockResolvedValueOnce(1);
    await expect(outbox.enqueue({ key: 'decision:d1:prompt:m1', to: 'a@example.org', subject: 'x'.repeat(400), text: 't', html: 'h' })).resolves.toBe('queued');
    expect(rows.queue).toHaveBeenCalledWith([{ key: 'decision:d1:prompt:m1', recipient: 'a@example.org', subject: 'x'.repeat(300), messageId: messageIdFor('decision:d1:prompt:m1', config.mailFrom), text: 't', html: 'h' }], undefined);
    expect(wake).toHaveBeenCalledTimes(1);
    rows.queue.mockResolvedValueOnce(0);
    await expect(outbox.enqueue({ key: 'decision:d1:prompt:m1', to: 'a@example.org', subject: 's', text: 't', html: 'h' })).resolves.toBe('already-queued');
    expect(wake).toHaveBeenCalledTimes(1);
  });
});

describe('MailRelay.drainOnce', () => {
  const setup = (opts: Partial<MailRelayOptions> = {}) => {
    const rows = strictMock<MailOutboxRepository>();
    const mailer = strictMock<Mailer>();
    const relay = new MailRelay(rows, mailer, new MailOutbox(rows, config), Object.assign(new MailRelayOptions(), { batchSize: 5, claimSeconds: 60, firstBackoffMs: 1_000, maxBackoffMs: 8_000, giveUpAfterMs: 60_000 }, opts));
    return { rows, mailer, relay };
  };

  it('sends what it claimed and records how each went: sent, refused for good, or back later', async () => {
    const s = setup();
    s.rows.claimDue.mockResolvedValue([claimed({ key: 'ok' }), claimed({ key: 'refused' }), claimed({ key: 'later', attempts: 3 })]);
    s.mailer.send.mockImplementation(async (m) => {
      if (m.key === 'refused') throw new MailRejectedError('550 no such user');
      if (m.key === 'later') throw new Error('ECONNREFUSED');
      return { response: '250 ok' };
    });
    s.rows.markSent.mockResolvedValue();
    s.rows.markRejected.mockResolvedValue();
    s.rows.retryLater.mockResolvedValue();
    await expect(s.relay.drainOnce()).resolves.toBe(3);
    expect(s.rows.claimDue).toHaveBeenCalledWith(5, 60);
    expect(s.rows.markSent).toHaveBeenCalledWith('ok', '250 ok');
    expect(s.rows.markRejected).toHaveBeenCalledWith('refused', '550 no such user');
    // attempt 3: 1 s × 2² = 4 s
    expect(s.rows.retryLater).toHaveBeenCalledWith('later', 'ECONNREFUSED', 4, false);
  });

  it('the backoff doubles up to its cap, and a message that would outlive the window is given up', async () => {
    const s = setup();
    s.mailer.send.mockRejectedValue(new Error('timeout'));
    s.rows.retryLater.mockResolvedValue();
    s.rows.claimDue.mockResolvedValueOnce([claimed({ attempts: 10, ageMs: 1_000 })]);
    await s.relay.drainOnce();
    expect(s.rows.retryLater).toHaveBeenLastCalledWith('k1', 'timeout', 8, false);
    s.rows.claimDue.mockResolvedValueOnce([claimed({ attempts: 2, ageMs: 59_000 })]);
    await s.relay.drainOnce();
    expect(s.rows.retryLater).toHaveBeenLastCalledWith('k1', 'timeout', 2, true);
  });

  it('a server that is down pauses the relay (doubling, capped), then it tries one message; the first that goes through resumes full batches', async () => {
    jest.useFakeTimers({ now: Date.parse('2026-12-01T00:00:00Z') });
    try {
      const s = setup({ firstBackoffMs: 1_000, maxServerPauseMs: 3_000 });
      s.rows.retryLater.mockResolvedValue();
      s.rows.markSent.mockResolvedValue();
      s.mailer.send.mockRejectedValue(new MailServerUnavailableError('connect ECONNREFUSED 127.0.0.1:25'));
      s.rows.claimDue.mockResolvedValue([claimed({ key: 'a', attempts: 4 }), claimed({ key: 'b' })]);
      await expect(s.relay.drainOnce()).resolves.toBe(2);
      expect(s.rows.claimDue).toHaveBeenLastCalledWith(5, 60);
      // Due again at once, whatever its own backoff would have been.
      expect(s.rows.retryLater).toHaveBeenCalledWith('a', 'connect ECONNREFUSED 127.0.0.1:25', 0, false);
      expect(s.rows.retryLater).toHaveBeenCalledWith('b', 'connect ECONNREFUSED 127.0.0.1:25', 0, false);

      for (const expected of [1_000, 2_000, 3_000, 3_000]) {
        const calls = s.rows.claimDue.mock.calls.length;
        jest.setSystemTime(Date.now() + expected - 1);
        await expect(s.relay.drainOnce()).resolves.toBe(0);
        expect(s.rows.claimDue).toHaveBeenCalledTimes(calls); // still paused: nothing claimed
        jest.setSystemTime(Date.now() + 1);
        s.rows.claimDue.mockResolvedValueOnce([claimed({ key: 'probe' })]);
        await expect(s.relay.drainOnce()).resolves.toBe(1);
        expect(s.rows.claimDue).toHaveBeenLastCalledWith(1, 60); // one message tries the server
      }

      // The server is back: the probe goes through, then full batches again.
      jest.setSystemTime(Date.now() + 3_000);
      s.mailer.send.mockResolvedValue({ response: '250 ok' });
      s.rows.claimDue.mockResolvedValueOnce([claimed({ key: 'probe' })]);
      await expect(s.relay.drainOnce()).resolves.toBe(1);
      expect(s.rows.claimDue).toHaveBeenLastCalledWith(1, 60);
      s.rows.claimDue.mockResolvedValueOnce([claimed({ key: 'c' })]);
      await expect(s.relay.drainOnce()).resolves.toBe(1);
      expect(s.rows.claimDue).toHaveBeenLastCalledWith(5, 60);
    } finally {
      jest.useRealTimers();
    }
  });
});
