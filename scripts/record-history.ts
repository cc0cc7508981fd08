/**
 * Records the event history of a workflow from a running Temporal server into
 * test/replay/histories/<workflow type>/<scenario>.json, for the replay tests.
 *
 *   npm run histories:record -- <workflowId> <scenario>
 *   e.g. npm run histories:record -- project-6f1c… advanced-to-completed_v0.1.0
 *
 * Reads TEMPORAL_ADDRESS (default localhost:7233, the `npm run dev` server) and TEMPORAL_NAMESPACE.
 * The same JSON comes out of `temporal workflow show --workflow-id <id> --output json`.
 */
import { Client, Connection } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { PROJECT_ROOT } from '@app/temporal';

async function main(): Promise<void> {
  const [workflowId, scenario] = process.argv.slice(2);
  if (!workflowId || !scenario || !/^[\w.-]+$/.test(scenario)) {
    throw new Error('usage: npm run histories:record -- <workflowId> <scenario>   (scenario: letters, digits, . _ -)');
  }
  const address = process.env.TEMPORAL_ADDRESS ?? 'localhost:7233';
  const connection = await Connection.connect({ address });
  try {
    const client = new Client({ connection, namespace: process.env.TEMPORAL_NAMESPACE ?? 'default' });
    const handle = client.workflow.getHandle(workflowId);
    const { type, status } = await handle.describe();
    if (status.name === 'RUNNING') {
      process.stderr.write(`note: ${workflowId} is still running; the history recorded so far is saved\n`);
    }
    const history = await handle.fetchHistory();
    const dir = join(PROJECT_ROOT, 'test', 'replay', 'histories', type);
    await mkdir(dir, { recursive: true });
    const file = join(dir, `${scenario}.json`);
    await writeFile(file, JSON.stringify(JSON.parse(historyToJSON(history)), null, 2) + '\n');
    process.stdout.write(`recorded ${history.events?.length ?? 0} events of ${type} ${workflowId} -> ${relative(PROJECT_ROOT, file)}\n`);
  } finally {
    await connection.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`histories:record: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
