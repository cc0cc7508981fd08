/**
 * `npm run demo`: loads the demo network into a running system (`npm run dev`, or any DPN at
 * DPN_API_URL) and walks one project through every phase, with simulated node receivers and
 * simulated members, so the whole flow shows in the Temporal UI and the mail UI within a minute or
 * two. `npm run dev -- --demo` starts the system and runs this once it is healthy.
 *
 *   DPN_API_URL   default http://localhost:$PORT (3000)
 *   ADMIN_TOKEN   default: the token `npm run dev` keeps in .data/admin-token
 *   DEMO_WORK_MS  how long a simulated node takes per job (default 4000)
 */
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { PROJECT_ROOT } from '@app/temporal';
import { seedNetwork, showcase, simulateMembers, walkProject } from './demo-network';

const say = (line: string) => process.stdout.write(`[demo] ${line}\n`);

async function main(): Promise<void> {
  const apiUrl = (process.env.DPN_API_URL ?? `http://localhost:${process.env.PORT ?? 3000}`).replace(/\/$/, '');
  const dataDir = resolve(process.env.DPN_DATA_DIR ?? join(PROJECT_ROOT, '.data'));
  const adminToken = process.env.ADMIN_TOKEN ?? (await readFile(join(dataDir, 'admin-token'), 'utf8').catch(() => '')).trim();
  if (!adminToken) throw new Error(`no coordinator token: start the system with \`npm run dev\` first (it writes ${join(dataDir, 'admin-token')}), or set ADMIN_TOKEN`);
  const health = await fetch(`${apiUrl}/health`).catch(() => null);
  if (!health?.ok) throw new Error(`DPN is not answering at ${apiUrl}/health: start it with \`npm run dev\` in another terminal (or set DPN_API_URL)`);

  const o = { apiUrl, adminToken, log: say, workMs: Number(process.env.DEMO_WORK_MS ?? 4000), tag: randomBytes(2).toString('hex'), stepTimeoutMs: 10 * 60_000 };
  const net = await seedNetwork(o);
  const stopMembers = simulateMembers(o, net, 1000);
  try {
    const id = await walkProject(o, net);
    const shown = await showcase(o, net);
    // For `npm run screenshots`: who to sign in as and which pages to show.
    const operator = { email: net.members.ben.email, name: net.members.ben.name, nodeId: net.nodes.shop.id };
    await writeFile(
      join(dataDir, 'demo.json'),
      JSON.stringify({ email: shown.member.email, name: shown.member.name, roundId: shown.roundId, assetId: shown.assetId, projectId: shown.projectId, walkedProjectId: id, operator }, null, 2) + '\n',
    );
    const mailUi = `http://localhost:${process.env.DPN_MAIL_UI_PORT ?? 8025}`;
    const lines = [
      '',
      `The demo project walked every phase. Look at it:`,
      `  curl -s -H "Authorization: Bearer ${adminToken}" ${apiUrl}/admin/projects/${id}`,
      `  Temporal UI  http://localhost:${process.env.DPN_TEMPORAL_UI_PORT ?? 8233}/namespaces/default/workflows?query=${encodeURIComponent(`WorkflowId STARTS_WITH "project-${id}"`)}`,
      `  Mail UI      ${mailUi}  (round, delivery, gate and order emails to the demo members)`,
      '',
      `Sign in to the web app as ${shown.member.name}, a co-owner of the greenhouse:`,
      `  1. open ${apiUrl}/signin and enter ${shown.member.email}`,
      `  2. open the sign-in link in the email to ${shown.member.email} at ${mailUi}`,
      `  Then see ${apiUrl}/me, the round ${apiUrl}/rounds/${shown.roundId} and the order page ${apiUrl}/assets/${shown.assetId}/orders.`,
      `  Anyone: ${apiUrl}/projects`,
      `Node operator pages: sign in the same way as ${operator.name} (${operator.email}) and open ${apiUrl}/node.`,
      `Coordinator console: ${apiUrl}/console (sign in as a coordinator by email once the bootstrap token above has invited you on /console/people; operations open it with that token).`,
      '',
    ];
    process.stdout.write(lines.join('\n') + '\n');
  } finally {
    await stopMembers();
    await net.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`[demo] ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
