/**
 * The README's run command, as a user runs it: `node dist/scripts/dev.js` (what `npm run dev`
 * runs after building) on its own data folder and ports. Ctrl-C (SIGINT to the process group)
 * stops everything; a restart finds the data and the running workflow and goes on.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../support/free-port';

const ROOT = join(__dirname, '..', '..');

interface Body {
  id: string;
  phase: string;
  status: string;
  live?: { phase: string; status: string };
}
const json = async (r: Response | Promise<Response>) => (await (await r).json()) as Body;

interface Running {
  proc: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function startDev(env: NodeJS.ProcessEnv): Promise<Running> {
  const proc = spawn(process.execPath, [join(ROOT, 'dist', 'scripts', 'dev.js')], { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  proc.stderr?.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`dev did not come up in 120 s:\n${out}`)), 120_000);
    const check = setInterval(() => {
      if (out.includes('DPN is running')) {
        clearTimeout(timer);
        clearInterval(check);
        resolve({ proc, output: () => out, exited });
      }
    }, 200);
    void exited.then((code) => {
      clearTimeout(timer);
      clearInterval(check);
      reject(new Error(`dev exited with ${code}:\n${out}`));
    });
  });
}

/** What Ctrl-C does in a terminal: SIGINT to the whole foreground process group. */
async function ctrlC(r: Running): Promise<number | null> {
  process.kill(-r.proc.pid!, 'SIGINT');
  return r.exited;
}

describe('npm run dev', () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let running: Running | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dpn-dev-'));
    await chmod(dir, 0o755);
    // Embedded defaults: none of the "use this server instead" variables.
    const rest = Object.fromEntries(Object.entries(process.env).filter(([k]) => !['DATABASE_URL', 'TEMPORAL_ADDRESS', 'SMTP_URL', 'ADMIN_TOKEN'].includes(k)));
    env = {
      ...rest,
      DPN_DATA_DIR: dir,
      PORT: String(await freePort()),
      DPN_PG_PORT: String(await freePort()),
      DPN_TEMPORAL_PORT: String(await freePort()),
      DPN_TEMPORAL_UI_PORT: String(await freePort()),
      DPN_SMTP_PORT: String(await freePort()),
      DPN_MAIL_UI_PORT: String(await freePort()),
      WORKER_METRICS_PORT: String(await freePort()),
    };
  });
  afterAll(async () => {
    if (running && running.proc.exitCode === null) await ctrlC(running);
    await rm(dir, { recursive: true, force: true });
  });

  it('runs the whole system, stops cleanly on Ctrl-C, and picks up where it left off', async () => {
    running = await startDev(env);
    const out = running.output();
    const api = `http://localhost:${env.PORT}`;
    for (const url of [`${api}/docs`, `http://localhost:${env.DPN_TEMPORAL_UI_PORT}`, `http://localhost:${env.DPN_MAIL_UI_PORT}`]) {
      expect(out).toContain(url);
      expect((await fetch(url)).status).toBe(200);
    }
    const token = (await readFile(join(dir, 'admin-token'), 'utf8')).trim();
    expect(out).toContain(`Coordinator token ${token}`);
    const headers = { Authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    expect((await json(fetch(`${api}/health`))).status).toBe('up');
    expect((await json(fetch(`${api}/health`, { headers }))).status).toBe('ok');

    const created = await json(fetch(`${api}/admin/projects`, { method: 'POST', headers: { ...headers, 'x-request-id': 'dev-create-1' }, body: JSON.stringify({ name: 'Survives restarts' }) }));
    const advanced = await json(fetch(`${api}/admin/projects/${created.id}/phases/advance`, { method: 'POST', headers: { ...headers, 'x-request-id': 'dev-advance-1' }, body: '{}' }));
    expect(advanced.phase).toBe('prototyping');

    // Quiet: before the banner only the script's own progress lines (no route list, no module
    // list); after it one line per request, none per activity; every line in the log files.
    const [before] = running.output().split('DPN is running');
    expect(before.split('\n').filter((l) => /^\[(api|worker)\]/.test(l))).toEqual([]);
    const requestLine = /^\[api\] POST \/admin\/projects\/\S+\/phases\/advance 200 [\d.]+ ms \(requestId=dev-advance-1\)$/m;
    for (let i = 0; i < 50 && !requestLine.test(running.output()); i++) await new Promise((r) => setTimeout(r, 100)); // the line follows the answer
    expect(running.output().split('DPN is running')[1]).toMatch(requestLine);
    expect(running.output()).not.toMatch(/RouterExplorer|Mapped \{|taskToken|project transition recorded/);
    expect((await fetch(`${api}/metrics`)).status).toBe(200);
    expect((await fetch(`http://localhost:${env.WORKER_METRICS_PORT}/metrics`)).status).toBe(200);

    expect(await ctrlC(running)).toBe(0);
    expect(running.output()).toContain('[dev] stopped.');
    const workerLog = (await readFile(join(dir, 'logs', 'worker.log'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    // The activities of the workflow the request started carry its id.
    expect(workerLog).toContainEqual(expect.objectContaining({ context: 'Activity', message: 'project transition recorded', projectId: created.id, requestId: 'dev-create-1' }));
    await expect(fetch(`${api}/health`)).rejects.toThrow(); // nothing listens any more

    running = await startDev(env);
    expect(running.output()).toContain('database schema is up to date');
    // The record is there at once; the live state once the new worker has bundled its workflows
    // and polls again (a query needs a worker to replay the run).
    expect(await json(fetch(`${api}/admin/projects/${created.id}`, { headers }))).toMatchObject({ phase: 'prototyping' });
    let again: Body = {} as Body;
    for (let i = 0; i < 60 && !again.live; i++) {
      again = await json(fetch(`${api}/admin/projects/${created.id}`, { headers }));
      if (!again.live) await new Promise((r) => setTimeout(r, 500));
    }
    expect(again).toMatchObject({ phase: 'prototyping', live: { phase: 'prototyping', status: 'active' } });
    const next = await json(fetch(`${api}/admin/projects/${created.id}/phases/advance`, { method: 'POST', headers, body: '{}' }));
    expect(next.phase).toBe('node-buildout');
    expect(await ctrlC(running)).toBe(0);
  }, 300_000);
});
