/**
 * The development mail catcher survives an SMTP client that drops its connection in the middle of
 * a message (a worker killed while sending): it runs in a process of its own, as under
 * `npm run dev`, and must still be alive and accepting mail afterwards.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTransport } from 'nodemailer';
import { eventually } from '../support/stack';

const ROOT = join(__dirname, '..', '..');

/** Speaks SMTP up to the middle of DATA, then resets the connection. */
async function dropMidMessage(port: number): Promise<void> {
  const sock = connect(port, '127.0.0.1');
  sock.on('error', () => undefined);
  let got = '';
  let wake: (() => void) | undefined;
  sock.on('data', (c: Buffer) => {
    got += c.toString();
    wake?.();
  });
  /** Sends a command (if any) and waits for the final reply line with this code. */
  async function step(command: string | null, code: string): Promise<void> {
    got = '';
    if (command !== null) sock.write(command);
    const final = new RegExp(`(^|\\r\\n)${code} [^\\r\\n]*\\r\\n$`);
    while (!final.test(got)) {
      if (sock.destroyed) throw new Error(`connection closed while waiting for ${code}: ${got}`);
      await new Promise<void>((r) => (wake = r));
    }
  }
  await step(null, '220');
  await step('EHLO worker\r\n', '250');
  await step('MAIL FROM:<no-reply@dpn.localhost>\r\n', '250');
  await step('RCPT TO:<ada@example.org>\r\n', '250');
  await step('DATA\r\n', '354');
  sock.write('Subject: half\r\n\r\nthe first half of a message that never ends');
  await new Promise((r) => setTimeout(r, 100));
  sock.resetAndDestroy(); // TCP RST, as when the sending process is killed
}

describe('the development mail catcher', () => {
  let dir: string;
  let proc: ChildProcess;
  let ports: { smtp: number; ui: number };
  let exited: number | null | undefined;
  let stderr = '';

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dpn-catcher-'));
    const script = `require(${JSON.stringify(join(ROOT, 'dist/libs/dev-stack/src/mail-catcher.js'))})
      .startMailCatcher({ storeDir: ${JSON.stringify(dir)}, smtpPort: 0, uiPort: 0 })
      .then((m) => console.log(JSON.stringify({ smtp: m.smtpPort, ui: m.uiPort })));`;
    proc = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    proc.once('exit', (code) => (exited = code));
    proc.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    ports = await new Promise((resolve, reject) => {
      proc.stdout!.once('data', (c: Buffer) => resolve(JSON.parse(c.toString())));
      proc.once('exit', () => reject(new Error(`catcher exited: ${stderr}`)));
    });
  });
  afterAll(async () => {
    proc?.kill();
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps running and accepting mail after a client resets mid-message', async () => {
    await dropMidMessage(ports.smtp);
    await dropMidMessage(ports.smtp);
    await new Promise((r) => setTimeout(r, 300));
    expect({ exited, stderr }).toEqual({ exited: undefined, stderr: '' });
    const transport = createTransport({ host: '127.0.0.1', port: ports.smtp, secure: false, ignoreTLS: true });
    await transport.sendMail({ from: 'no-reply@dpn.localhost', to: 'ada@example.org', subject: 'whole', text: 'all of it' });
    const list = await eventually(async () => {
      const r = (await (await fetch(`http://127.0.0.1:${ports.ui}/api/messages`)).json()) as Array<{ subject: string }>;
      return r.length ? r : undefined;
    });
    expect(list.map((m) => m.subject)).toEqual(['whole']);
    expect({ exited, stderr }).toEqual({ exited: undefined, stderr: '' });
  });
});
