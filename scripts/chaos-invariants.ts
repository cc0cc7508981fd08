/**
 * What must hold after a chaos seed, checked from the database (the ledger's entries and keys, not
 * just flags) and from Temporal (how each round's workflow ended, and whether any workflow task
 * failed on the way).
 */
import { WorkflowClient } from '@temporalio/client';
import { Client as PgClient } from 'pg';
import { fundingRoundWorkflowId } from '@app/contracts';

export interface Violation {
  invariant: string;
  detail: string;
  evidence?: unknown;
}

export interface RoundOutcome {
  roundId: string;
  index: number;
  dbStatus: string;
  reason: string | null;
  workflow: { kind: 'completed'; status: string } | { kind: 'cancelled' } | { kind: 'failed'; error: string } | { kind: 'stuck' };
  /** For a stuck round: what its workflow waits for (pending activities, workflow task, last events). */
  pending?: unknown;
}

export interface InvariantInput {
  rounds: Array<{ id: string; index: number; projectId: string; assetId: string | null; temporalCancels: number }>;
  outcomes: Map<string, RoundOutcome>;
  /** Reads the histories of the rounds' workflows and their decisions (the seed's Temporal server). */
  temporal: WorkflowClient;
}

const FINAL = ['funded', 'failed', 'cancelled'];

interface PledgeEvidence {
  member_id: string;
  amount: string;
  captured_amount: string;
  captured: boolean;
  returned: boolean;
  /** Net of the member's pledge changes (keys round:<id>:hold:<member>:<seq>) on the hold account. */
  held_net: string;
  hold_balance: string;
  captures: number;
  captured_sum: string;
  releases: number;
  released_sum: string;
  refunds: number;
  refunded_sum: string;
}

export async function checkInvariants(pg: PgClient, input: InvariantInput): Promise<Violation[]> {
  const out: Violation[] = [];
  const q = async <T>(sql: string, params: unknown[] = []) => (await pg.query(sql, params)).rows as T[];
  const v = (invariant: string, detail: string, evidence?: unknown) => out.push({ invariant, detail, evidence });

  // The books: every currency and every transaction balances; a refused posting moved nothing.
  for (const r of await q<{ currency: string; total: string }>(`SELECT a.currency, SUM(e.amount)::text AS total FROM ledger_entries e JOIN ledger_accounts a ON a.id = e.account_id GROUP BY a.currency`)) {
    if (r.total !== '0') v('trial-balance', `Σ debits ≠ Σ credits in ${r.currency}: the entries sum to ${r.total}`);
  }
  for (const r of await q<{ key: string; status: string; total: string; n: number }>(
    `SELECT t.idempotency_key AS key, t.status, COALESCE(SUM(e.amount), 0)::text AS total, COUNT(e.id)::int AS n
       FROM ledger_transactions t LEFT JOIN ledger_entries e ON e.transaction_id = t.id GROUP BY t.id
      HAVING COALESCE(SUM(e.amount), 0) <> 0 OR (t.status = 'rejected' AND COUNT(e.id) > 0)`,
  )) {
    v('balanced-postings', `posting ${r.key} (${r.status}) has ${r.n} entries summing to ${r.total}`);
  }
  // No account but the outside world's below zero.
  for (const r of await q<{ kind: string; owner_id: string; scope_id: string | null; balance: string }>(
    `SELECT a.kind, a.owner_id, a.scope_id, SUM(e.amount)::text AS balance FROM ledger_accounts a JOIN ledger_entries e ON e.account_id = a.id
      WHERE a.kind <> 'external' GROUP BY a.id HAVING SUM(e.amount) < 0`,
  )) {
    v('no-negative-account', `${r.kind} account of ${r.owner_id}${r.scope_id ? ` (round ${r.scope_id})` : ''} is at ${r.balance}`);
  }

  const funded = new Map<string, bigint>(); // project → what its funded rounds raised
  for (const round of input.rounds) {
    const o = input.outcomes.get(round.id)!;
    const label = `round ${round.index} (${round.id}, ${o.dbStatus})`;
    const [row] = await q<{ status: string; goal: string; total: string; backers: number; asset_total: string | null }>(
      `SELECT r.status, r.goal::text, r.total::text, r.backers, a.total_parts::text AS asset_total FROM funding_rounds r LEFT JOIN assets a ON a.id = r.asset_id WHERE r.id = $1`,
      [round.id],
    );
    if (!row) {
      v('round-row', `${label}: no row`);
      continue;
    }

    // The workflow ended, without a failed workflow task, and as its row says.
    const w = o.workflow;
    if (w.kind === 'stuck') v('stuck', `${label}: the workflow did not finish in time`, { status: o.dbStatus, reason: o.reason, workflow: o.pending });
    else if (w.kind === 'failed') v('workflow-failed', `${label}: the workflow failed: ${w.error}`);
    else if (w.kind === 'completed' && w.status !== row.status) v('status-matches-workflow', `${label}: the workflow ended '${w.status}', the row says '${row.status}'`);
    else if (w.kind === 'cancelled') {
      // Cancelled through Temporal: the round gave everything back, unless its outcome was decided before the cancel arrived.
      if (round.temporalCancels === 0) v('status-matches-workflow', `${label}: the workflow was cancelled but nobody cancelled it through Temporal`);
      if (!FINAL.includes(row.status)) v('status-matches-workflow', `${label}: the workflow was cancelled, the row is left '${row.status}'`);
    }
    const decisions = await q<{ workflow_id: string }>(`SELECT workflow_id FROM decisions WHERE subject_id = $1`, [round.id]);
    for (const wf of [fundingRoundWorkflowId(round.id), ...decisions.map((d) => d.workflow_id)]) {
      const failed = await workflowTaskFailures(input.temporal, wf);
      if (failed.length) v('workflow-task-failed', `${label}: workflow ${wf} had ${failed.length} failed workflow task(s)`, failed.slice(0, 3));
    }
    // The payout vote (a child workflow) ends with its round: none is left running.
    for (const d of decisions) {
      const status = await input.temporal
        .getHandle(d.workflow_id)
        .describe()
        .then((x) => x.status.name)
        .catch(() => 'NOT_FOUND');
      if (status === 'RUNNING') v('stuck', `${label}: its payout vote ${d.workflow_id} is still running`);
    }
    if (!FINAL.includes(row.status)) continue;

    // Escrow and the round's account are empty once it has finished.
    const [acc] = await q<{ held: string; round: string; payouts: number; paid: string }>(
      `SELECT (SELECT COALESCE(SUM(e.amount), 0) FROM ledger_accounts a JOIN ledger_entries e ON e.account_id = a.id WHERE a.kind = 'hold' AND a.scope_id = $1)::text AS held,
              (SELECT COALESCE(SUM(e.amount), 0) FROM ledger_accounts a JOIN ledger_entries e ON e.account_id = a.id WHERE a.kind = 'round' AND a.owner_id = $1)::text AS round,
              (SELECT COUNT(*) FROM ledger_transactions t WHERE t.idempotency_key = $2 AND t.status = 'posted')::int AS payouts,
              (SELECT COALESCE(SUM(e.amount), 0) FROM ledger_transactions t JOIN ledger_entries e ON e.transaction_id = t.id
                 WHERE t.idempotency_key = $2 AND e.amount > 0)::text AS paid`,
      [round.id, `round:${round.id}:payout`],
    );
    if (acc.held !== '0') v('escrow-zero', `${label}: the members' hold accounts still hold ${acc.held}`);
    if (acc.round !== '0') v('round-account-zero', `${label}: the round's account holds ${acc.round}`);

    // Every pledge: its row equals the net of its hold postings, and it was captured once or given back once.
    const pledges = await q<PledgeEvidence>(
      `SELECT p.member_id, p.amount::text, p.captured_amount::text, p.captured_at IS NOT NULL AS captured, p.returned_at IS NOT NULL AS returned,
              COALESCE(SUM(e.amount) FILTER (WHERE t.idempotency_key LIKE $2 || 'hold:' || p.member_id || ':%'), 0)::text AS held_net,
              COALESCE(SUM(e.amount), 0)::text AS hold_balance,
              COUNT(e.id) FILTER (WHERE t.kind = 'pledge-capture')::int AS captures,
              COALESCE(-SUM(e.amount) FILTER (WHERE t.kind = 'pledge-capture'), 0)::text AS captured_sum,
              COUNT(e.id) FILTER (WHERE t.idempotency_key LIKE $2 || 'release:%')::int AS releases,
              COALESCE(-SUM(e.amount) FILTER (WHERE t.idempotency_key LIKE $2 || 'release:%'), 0)::text AS released_sum,
              (SELECT COUNT(*) FROM ledger_entries re JOIN ledger_transactions rt ON rt.id = re.transaction_id JOIN ledger_accounts w ON w.id = re.account_id
                WHERE rt.idempotency_key LIKE $2 || 'refund:%' AND w.kind = 'member' AND w.owner_id = p.member_id)::int AS refunds,
              (SELECT COALESCE(SUM(re.amount), 0) FROM ledger_entries re JOIN ledger_transactions rt ON rt.id = re.transaction_id JOIN ledger_accounts w ON w.id = re.account_id
                WHERE rt.idempotency_key LIKE $2 || 'refund:%' AND w.kind = 'member' AND w.owner_id = p.member_id)::text AS refunded_sum
         FROM funding_pledges p
         LEFT JOIN ledger_entries e ON e.account_id = p.hold_account_id
         LEFT JOIN ledger_transactions t ON t.id = e.transaction_id
        WHERE p.round_id = $1
        GROUP BY p.round_id, p.member_id`,
      [round.id, `round:${round.id}:`],
    );
    let total = 0n;
    let backers = 0;
    let captured = 0n;
    for (const p of pledges) {
      const amount = BigInt(p.amount);
      const bad = (what: string) => v('pledge-settled-once', `${label}, member ${p.member_id}: ${what}`, p);
      if (p.held_net !== p.amount) bad(`the pledge row says ${p.amount}, its hold postings net ${p.held_net}`);
      if (p.hold_balance !== '0') bad(`the hold account still holds ${p.hold_balance}`);
      if (amount > 0n) {
        total += amount;
        backers++;
      }
      if (row.status === 'funded') {
        captured += BigInt(p.captured_amount);
        if (amount > 0n && !(p.captured && p.captured_amount === p.amount && p.captures === 1 && p.captured_sum === p.amount)) bad('a funded pledge was not captured exactly once for its amount');
        if (amount === 0n && p.captures !== 0) bad('a withdrawn pledge was captured');
        if (p.releases !== 0 || p.refunds !== 0 || p.returned) bad('a pledge of a funded round was also given back');
      } else {
        const viaRelease = !p.captured && p.captures === 0 && p.releases === 1 && p.released_sum === p.amount && p.refunds === 0;
        const viaRefund = p.captures === 1 && p.captured_sum === p.amount && p.captured_amount === p.amount && p.releases === 0 && p.refunds === 1 && p.refunded_sum === p.amount;
        if (amount > 0n && !(p.returned && (viaRelease || viaRefund))) bad(`a pledge of a ${row.status} round was not given back exactly once (released or captured-and-refunded)`);
        if (amount === 0n && (p.captures !== 0 || p.releases !== 0 || p.refunds !== 0)) bad('a withdrawn pledge was settled');
      }
    }
    if (String(total) !== row.total || backers !== row.backers) v('round-tally', `${label}: the row says ${row.total} from ${row.backers} backers, the pledges ${total} from ${backers}`);
    if (row.status === 'funded') {
      if (total < BigInt(row.goal)) v('round-tally', `${label}: funded with ${total} below its goal ${row.goal}`);
      if (acc.payouts !== 1 || acc.paid !== String(captured)) v('payout-once', `${label}: ${acc.payouts} payout posting(s) of ${acc.paid}; captured ${captured}`);
      funded.set(round.projectId, (funded.get(round.projectId) ?? 0n) + captured);
      if (round.assetId && row.asset_total) {
        const [own] = await q<{ parts: string | null; owners: number }>(`SELECT SUM(parts)::text AS parts, COUNT(*)::int AS owners FROM asset_shares WHERE asset_id = $1`, [round.assetId]);
        if (own.parts !== row.asset_total || own.owners !== backers) v('ownership', `${label}: the asset's table has ${own.owners} owners and ${own.parts} parts; ${backers} backers, ${row.asset_total} parts`);
      }
    } else if (acc.payouts !== 0) {
      v('payout-once', `${label}: a ${row.status} round has a payout posting`);
    }
  }

  // Each project holds exactly what its funded rounds raised.
  for (const projectId of new Set(input.rounds.map((r) => r.projectId))) {
    const [p] = await q<{ balance: string }>(
      `SELECT COALESCE(SUM(e.amount), 0)::text AS balance FROM ledger_accounts a JOIN ledger_entries e ON e.account_id = a.id WHERE a.kind = 'project' AND a.owner_id = $1`,
      [projectId],
    );
    const expected = funded.get(projectId) ?? 0n;
    if (p.balance !== String(expected)) v('project-account', `project ${projectId} holds ${p.balance}; its funded rounds raised ${expected}`);
  }

  // Each member's wallet: what came in and went out, less what funded rounds took and what rounds
  // that have not finished (stuck: reported above) still hold or captured; nothing else stays away.
  for (const m of await q<{ member_id: string; wallet: string; outside: string; taken: string; pending: string }>(
    `SELECT m.id AS member_id,
            (SELECT COALESCE(SUM(e.amount), 0) FROM ledger_accounts a JOIN ledger_entries e ON e.account_id = a.id WHERE a.kind = 'member' AND a.owner_id = m.id)::text AS wallet,
            (SELECT COALESCE(SUM(e.amount), 0) FROM ledger_accounts a JOIN ledger_entries e ON e.account_id = a.id JOIN ledger_transactions t ON t.id = e.transaction_id
              WHERE a.kind = 'member' AND a.owner_id = m.id AND t.kind IN ('deposit', 'withdrawal'))::text AS outside,
            (SELECT COALESCE(SUM(p.captured_amount), 0) FROM funding_pledges p JOIN funding_rounds r ON r.id = p.round_id WHERE p.member_id = m.id AND r.status = 'funded')::text AS taken,
            (SELECT COALESCE(SUM(CASE WHEN p.captured_at IS NOT NULL AND p.returned_at IS NULL THEN p.captured_amount ELSE 0 END
                                + (SELECT COALESCE(SUM(e.amount), 0) FROM ledger_entries e WHERE e.account_id = p.hold_account_id)), 0)
               FROM funding_pledges p JOIN funding_rounds r ON r.id = p.round_id WHERE p.member_id = m.id AND r.status NOT IN ('funded', 'failed', 'cancelled'))::text AS pending
       FROM members m`,
  )) {
    if (BigInt(m.wallet) !== BigInt(m.outside) - BigInt(m.taken) - BigInt(m.pending)) {
      v('member-money', `member ${m.member_id}: the wallet holds ${m.wallet}; deposits less withdrawals ${m.outside}, less funded pledges ${m.taken}, less still in unfinished rounds ${m.pending}`);
    }
  }
  return out;
}

/**
 * Workflow task failures the server makes on its own, not the code's: a task that tried to close
 * the run while a new event (an update, a signal) had arrived is refused and retried with it
 * (temporal.api.enums.v1.WorkflowTaskFailedCause: UNHANDLED_COMMAND, UNHANDLED_UPDATE), and a
 * sticky queue reset after a worker restart.
 */
const SERVER_TASK_FAILURES = new Map([
  [1, 'UNHANDLED_COMMAND'],
  [13, 'RESET_STICKY_TASK_QUEUE'],
  [31, 'UNHANDLED_UPDATE'],
]);

/** The failed workflow tasks in a workflow's history that the code caused (nondeterminism, a bug in a handler...). */
async function workflowTaskFailures(temporal: WorkflowClient, workflowId: string): Promise<string[]> {
  const history = await temporal
    .getHandle(workflowId)
    .fetchHistory()
    .catch(() => null);
  return (history?.events ?? [])
    .map((e) => e.workflowTaskFailedEventAttributes)
    .filter((f): f is NonNullable<typeof f> => !!f && !SERVER_TASK_FAILURES.has(Number(f.cause ?? 0)))
    .map((f) => `cause ${Number(f.cause ?? 0)}: ${f.failure?.message ?? 'no message'}`);
}
