import { createServer, Server } from 'node:http';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { AddressInfo } from 'node:net';
import { join } from 'node:path';
import PostalMime from 'postal-mime';
import { SMTPServer } from 'smtp-server';

export interface CaughtMail {
  id: string;
  receivedAt: string;
  envelopeFrom: string | null;
  envelopeTo: string[];
  from: string;
  to: string[];
  subject: string;
  text: string;
  html: string | null;
}

export interface MailCatcherHandle {
  smtpUrl: string;
  uiUrl: string;
  smtpPort: number;
  uiPort: number;
  /** Every message received, newest first. */
  messages(): Promise<CaughtMail[]>;
  stop(): Promise<void>;
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * A local SMTP catcher for development and tests: a real SMTP server (smtp-server, from the
 * nodemailer project) that accepts every message, stores it as an .eml file under `storeDir`, and
 * a small web page to read them (`/`, `/messages/:id`, JSON at `/api/messages`).
 * It is never an open relay: it delivers nothing anywhere. Port 0 picks a free port.
 */
export async function startMailCatcher(opts: {
  storeDir: string;
  smtpPort: number;
  uiPort: number;
  host?: string;
  /** Told of a client's connection failing (a reset mid-message...); the catcher goes on regardless. */
  onClientError?: (err: Error) => void;
}): Promise<MailCatcherHandle> {
  const host = opts.host ?? '127.0.0.1';
  await mkdir(opts.storeDir, { recursive: true });
  let seq = 0;

  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    size: 10 * 1024 * 1024,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      // A client gone mid-message: nothing to store, and nothing to crash on.
      stream.on('error', (err: Error) => callback(err));
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const id = `${Date.now().toString().padStart(15, '0')}-${(seq++).toString().padStart(6, '0')}`;
        const envelope = {
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : null,
          to: session.envelope.rcptTo.map((r) => r.address),
        };
        Promise.all([
          writeFile(join(opts.storeDir, `${id}.eml`), Buffer.concat(chunks)),
          writeFile(join(opts.storeDir, `${id}.json`), JSON.stringify(envelope)),
        ]).then(() => callback(), callback);
      });
    },
  });

  async function load(id: string): Promise<CaughtMail> {
    const [raw, env] = await Promise.all([
      readFile(join(opts.storeDir, `${id}.eml`)),
      readFile(join(opts.storeDir, `${id}.json`), 'utf8').then((s) => JSON.parse(s) as { from: string | null; to: string[] }),
    ]);
    const m = await PostalMime.parse(raw);
    const addr = (a?: { address?: string; name?: string }) => (a ? (a.name ? `${a.name} <${a.address}>` : (a.address ?? '')) : '');
    return {
      id,
      receivedAt: new Date(Number(id.split('-')[0])).toISOString(),
      envelopeFrom: env.from,
      envelopeTo: env.to,
      from: addr(m.from as { address?: string; name?: string } | undefined),
      to: (m.to ?? []).map((a) => addr(a as { address?: string; name?: string })),
      subject: m.subject ?? '',
      text: m.text ?? '',
      html: m.html ?? null,
    };
  }

  async function messages(): Promise<CaughtMail[]> {
    const ids = (await readdir(opts.storeDir)).filter((f) => f.endsWith('.eml')).map((f) => f.slice(0, -4)).sort().reverse();
    return Promise.all(ids.map(load));
  }

  const page = (title: string, body: string) =>
    `<!doctype html><html><head><meta charset="utf-8"><title>${esc(title)}</title><style>
body{font:15px/1.4 system-ui,sans-serif;margin:2rem;max-width:60rem}table{border-collapse:collapse;width:100%}
td,th{padding:.4rem .6rem;border-bottom:1px solid #ddd;text-align:left}a{color:#0a58ca}
pre{white-space:pre-wrap;background:#f6f6f6;padding:1rem}iframe{width:100%;height:32rem;border:1px solid #ddd}
</style></head><body><p><a href="/">DPN mail catcher</a></p>${body}</body></html>`;

  const http: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const send = (status: number, type: string, body: string) => {
      res.writeHead(status, { 'content-type': `${type}; charset=utf-8` });
      res.end(body);
    };
    (async () => {
      if (url.pathname === '/api/messages') return send(200, 'application/json', JSON.stringify(await messages()));
      const m = /^\/messages\/([\w-]+)$/.exec(url.pathname);
      if (m) {
        const mail = await load(m[1]).catch(() => undefined);
        if (!mail) return send(404, 'text/html', page('Not found', '<p>No such message.</p>'));
        return send(
          200,
          'text/html',
          page(
            mail.subject,
            `<h1>${esc(mail.subject)}</h1><p><b>From</b> ${esc(mail.from)}<br><b>To</b> ${esc(mail.to.join(', '))}<br><b>Received</b> ${mail.receivedAt}</p>` +
              (mail.html ? `<iframe sandbox srcdoc="${esc(mail.html)}"></iframe>` : '') +
              `<h2>Text</h2><pre>${esc(mail.text)}</pre>`,
          ),
        );
      }
      if (url.pathname === '/') {
        const list = await messages();
        const rows = list
          .map((x) => `<tr><td>${x.receivedAt}</td><td>${esc(x.to.join(', '))}</td><td><a href="/messages/${x.id}">${esc(x.subject || '(no subject)')}</a></td></tr>`)
          .join('');
        return send(200, 'text/html', page('Mail', `<h1>Mail (${list.length})</h1><table><tr><th>Received</th><th>To</th><th>Subject</th></tr>${rows}</table>`));
      }
      return send(404, 'text/plain', 'not found');
    })().catch((err: unknown) => send(500, 'text/plain', String(err)));
  });

  await new Promise<void>((resolve, reject) => {
    smtp.once('error', reject);
    smtp.listen(opts.smtpPort, host, () => {
      smtp.off('error', reject);
      resolve();
    });
  });
  // Errors after start-up are one client's connection failing (e.g. a worker killed while it was
  // sending: ECONNRESET). Without a listener the 'error' event would end the process, and with it
  // `npm run dev`.
  smtp.on('error', (err: Error) => opts.onClientError?.(err));
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(opts.uiPort, host, () => resolve());
  });
  const smtpPort = (smtp.server.address() as AddressInfo).port;
  const uiPort = (http.address() as AddressInfo).port;
  return {
    smtpUrl: `smtp://${host}:${smtpPort}`,
    uiUrl: `http://localhost:${uiPort}`,
    smtpPort,
    uiPort,
    messages,
    stop: async () => {
      await new Promise<void>((r) => smtp.close(() => r()));
      await new Promise<void>((r) => http.close(() => r()));
    },
  };
}
