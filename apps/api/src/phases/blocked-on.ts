/**
 * What a phase is waiting for, and on whom: computed from the read models (the round, the jobs,
 * the open decisions, the node checks), never from workflow histories. Pure, unit-tested.
 */
import type { GateVote, JobOffer, JobStatus, PhaseNodeCheck, RoundStatus } from '@app/contracts';
import type { FlowBlockerRow } from '@app/db';

export interface Blocker {
  /** Who has to act: one member, the members asked in a decision, a node, or the coordinator. */
  party: 'member' | 'members' | 'node' | 'coordinator';
  /** The member or node id (absent for the coordinator and for a group of members). */
  id: string | null;
  what: string;
  /** Until when they have (an offer's answer window, a decision's deadline, a job's due date). */
  until: string | null;
  decisionId?: string;
  jobId?: string;
  /** The reserved price of an unanswered delivery that a treasurer settles (pay or release). */
  settle?: { amount: string; currency: string };
  /** A production flow's late step or leg without a carrier: the flow, the step, the leg, how late. */
  flowId?: string;
  stepKey?: string;
  legId?: string;
  lateByMs?: number;
}

export interface BlockedOnInput {
  state: 'not-planned' | 'planned' | 'running' | 'done' | 'failed' | 'cancelled' | 'skipped';
  current: boolean;
  round: { id: string; status: RoundStatus; total: string; goal: string; currency: string; deadline: string; payoutApproval: 'coordinator' | 'members' } | null;
  jobs: Array<{
    id: string;
    taskKey: string | null;
    status: JobStatus;
    nodeId: string | null;
    offers: JobOffer[];
    dueAt: string;
    offerTimeoutHours: number;
    /** Delivered, not confirmed in time, its price still reserved (absent: none). */
    unsettledPrice?: { amount: string; currency: string } | null;
  }>;
  /** Open decisions of this phase (delivery confirmations, a payout vote) with the members yet to answer. */
  decisions: Array<{ id: string; subjectType: string; subjectId: string; deadline: string; pending: string[] }>;
  nodeChecks: PhaseNodeCheck[];
  gateVote: GateVote | null;
}

export function blockedOn(i: BlockedOnInput): Blocker[] {
  // Money held for a delivery nobody answered waits on a treasurer, whatever the phase has become.
  const unsettled = i.jobs
    .filter((j) => j.unsettledPrice)
    .map((j): Blocker => ({
      party: 'coordinator',
      id: null,
      what: `${j.taskKey ? `task ${j.taskKey}` : `job ${j.id}`}: delivered, not confirmed in time; ${j.unsettledPrice!.amount} ${j.unsettledPrice!.currency} (minor units) is still reserved: a treasurer pays the node or releases the money`,
      until: null,
      jobId: j.id,
      settle: j.unsettledPrice!,
    }));
  return [...unsettled, ...phaseWork(i)];
}

/** Who the phase's own course waits for (its plan, round, jobs, checks, gate). */
function phaseWork(i: BlockedOnInput): Blocker[] {
  const out: Blocker[] = [];
  if (i.state === 'skipped' || i.state === 'cancelled' || !i.current) return out;
  // A gate vote is open (after the work, or on skipping it): the voters have the project's next step.
  if (i.gateVote?.status === 'open') {
    return [{ party: 'members', id: null, what: `vote on moving to ${i.gateVote.toPhase}`, until: i.gateVote.deadline, decisionId: i.gateVote.decisionId }];
  }
  if (i.state === 'not-planned') return [{ party: 'coordinator', id: null, what: 'write the phase plan, or skip the phase', until: null }];
  if (i.state === 'planned') return [{ party: 'coordinator', id: null, what: 'start the phase', until: null }];
  if (i.state === 'failed') return [{ party: 'coordinator', id: null, what: 'restart the phase (finished work is kept), or skip it', until: null }];
  if (i.state === 'done') {
    return [{ party: 'coordinator', id: null, what: 'pass the gate: advance the project', until: null }];
  }
  // running
  const r = i.round;
  if (r && (r.status === 'open' || r.status === 'opening')) {
    out.push({ party: 'members', id: null, what: `pledge: ${r.total} of ${r.goal} ${r.currency} (minor units) raised`, until: r.deadline });
  }
  if (r && r.status === 'awaiting-payout') {
    const vote = i.decisions.find((d) => d.subjectType === 'funding-round' && d.subjectId === r.id);
    out.push(
      r.payoutApproval === 'members' && vote
        ? { party: 'members', id: null, what: `vote on releasing the round's funds (${vote.pending.length} yet to answer)`, until: vote.deadline, decisionId: vote.id }
        : { party: 'coordinator', id: null, what: "approve the payout of the phase's round", until: null },
    );
  }
  for (const j of i.jobs) {
    const task = j.taskKey ? `task ${j.taskKey}` : `job ${j.id}`;
    const last = j.offers.at(-1);
    if (j.status === 'offered' && last) {
      out.push({ party: 'node', id: last.nodeId, what: `answer the offer of ${task}`, until: new Date(Date.parse(last.offeredAt) + j.offerTimeoutHours * 3_600_000).toISOString(), jobId: j.id });
    } else if ((j.status === 'accepted' || j.status === 'in-progress') && j.nodeId) {
      out.push({ party: 'node', id: j.nodeId, what: `make and deliver ${task}`, until: j.dueAt, jobId: j.id });
    } else if (j.status === 'delivered') {
      const d = i.decisions.find((x) => x.subjectType === 'delivery' && x.subjectId === j.id);
      for (const m of d?.pending ?? []) out.push({ party: 'member', id: m, what: `confirm the delivery of ${task}`, until: d!.deadline, decisionId: d!.id, jobId: j.id });
    } else if (j.status === 'waiting-for-money') {
      // Paid work: the node accepted, the project's account cannot hold the price yet.
      out.push({ party: 'coordinator', id: null, what: `${task}: waiting for money: the project's account cannot reserve its price; top it up (a deposit wakes the job)`, until: null, jobId: j.id });
    } else if (j.status === 'waiting-for-capacity') {
      out.push({ party: 'node', id: null, what: `${task}: every capable node is at its work-in-progress limit`, until: null, jobId: j.id });
    } else if (j.status === 'no-node' || j.status === 'searching') {
      out.push({ party: 'coordinator', id: null, what: j.status === 'no-node' ? `${task}: no capable node is left; register one (offers resume within a day), or cancel the job and restart the phase with a changed plan` : `${task}: looking for a node`, until: null, jobId: j.id });
    }
  }
  for (const c of i.nodeChecks) {
    if (c.status === 'pending') out.push({ party: 'node', id: c.nodeId, what: 'answer a signed ping (webhook endpoint live and verifying signatures)', until: null });
  }
  return out;
}

/** How late, in words: minutes under an hour, hours under two days, then days and hours. */
export function lateness(ms: number): string {
  const minutes = Math.max(1, Math.round(ms / 60_000));
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.round(ms / 3_600_000);
  if (hours < 48) return `${hours} h`;
  const days = Math.floor(hours / 24);
  return hours % 24 ? `${days} d ${hours % 24} h` : `${days} d`;
}

/**
 * What a project's production flows wait for: a late step waits on its node (or on a node being
 * found: the coordinator), a leg no carrier takes waits on the coordinator.
 */
export function flowBlockers(rows: FlowBlockerRow[]): Blocker[] {
  return rows.map((r): Blocker => {
    if (r.kind === 'late-step') {
      return {
        party: r.nodeId ? 'node' : 'coordinator',
        id: r.nodeId,
        what: `step \`${r.stepKey}\` of flow ${r.recipeName} is late by ${lateness(r.lateByMs ?? 0)}${r.nodeId ? '' : ' (no node has taken it yet)'}`,
        until: r.plannedDoneAt,
        flowId: r.flowId,
        stepKey: r.stepKey,
        ...(r.lateByMs !== null ? { lateByMs: r.lateByMs } : {}),
      };
    }
    return {
      party: 'coordinator',
      id: null,
      what: `no carrier takes the ${r.flowType} leg from step \`${r.stepKey}\` to ${r.toStep ? `step \`${r.toStep}\`` : 'the recipient'} of flow ${r.recipeName}: register a transport node for ${r.flowType} serving both locations`,
      until: r.plannedDoneAt,
      flowId: r.flowId,
      stepKey: r.stepKey,
      ...(r.legId ? { legId: r.legId } : {}),
    };
  });
}
