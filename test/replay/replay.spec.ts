/**
 * Replays every recorded workflow history under test/replay/histories/<workflowType>/ against the
 * current workflow code. A change that would break a running workflow (non-determinism) fails
 * here. Record new histories with `npm run histories:record -- <workflowId> <scenario>` (README).
 */
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { bundleWorkflowCode, DefaultLogger, ReplayResult, Worker } from '@temporalio/worker';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { WORKFLOW_INTERCEPTORS, WORKFLOWS_ENTRY } from '@app/temporal';
import '../support/temporal';

const HISTORIES = join(__dirname, 'histories');
const logger = new DefaultLogger('ERROR');

function loadHistories() {
  return readdirSync(HISTORIES, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .flatMap((d) =>
      readdirSync(join(HISTORIES, d.name))
        .filter((f) => f.endsWith('.json'))
        .map((f) => ({
          workflowType: d.name,
          workflowId: `${d.name}/${f}`,
          history: historyFromJSON(JSON.parse(readFileSync(join(HISTORIES, d.name, f), 'utf8'))),
        })),
    );
}

async function replayAll(workflowsPath: string): Promise<ReplayResult[]> {
  const histories = loadHistories();
  // With the production interceptors: they must replay too.
  const bundle = await bundleWorkflowCode({ workflowsPath, workflowInterceptorModules: [WORKFLOW_INTERCEPTORS], logger });
  const results: ReplayResult[] = [];
  for await (const r of Worker.runReplayHistories({ workflowBundle: bundle }, histories)) results.push(r);
  return results;
}

describe('recorded workflow histories', () => {
  const histories = loadHistories();

  it('include at least one history of every workflow type', () => {
    expect(new Set(histories.map((h) => h.workflowType))).toEqual(new Set(['productionProjectWorkflow', 'memberDecisionWorkflow', 'fundingRoundWorkflow', 'jobWorkflow', 'jobNotificationWorkflow', 'outputOrderCycleWorkflow', 'projectPhaseWorkflow', 'buyoutWorkflow', 'marketOrderTimerWorkflow', 'flowWorkflow']));
    expect(histories.length).toBeGreaterThanOrEqual(88);
  });

  it('replay without non-determinism against the current workflow code', async () => {
    const results = await replayAll(WORKFLOWS_ENTRY);
    const failures = results.filter((r) => r.error).map((r) => `${r.workflowId}: ${r.error?.message}`);
    expect(failures).toEqual([]);
    expect(results).toHaveLength(histories.length);
  }, 180_000); // a bundle and every history: CPU-bound, slow while other test files run

  it('fail against a workflow changed without a patch (the check has teeth)', async () => {
    const results = await replayAll(join(__dirname, 'fixtures', 'changed-workflow.ts'));
    expect(results.length).toBe(histories.length);
    for (const r of results) {
      expect(r.error?.name).toBe('DeterminismViolationError');
    }
  }, 180_000);
});
