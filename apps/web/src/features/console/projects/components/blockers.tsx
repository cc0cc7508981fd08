import { useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { Deadline } from '@/components/ui/deadline';
import { phaseName } from '@/components/ui/phase-timeline';
import { TextAreaField } from '@/components/ui/text-area-field';
import { paths } from '@/config/paths';
import { formatMoney } from '@/lib/money';
import { type BlockerView, type ProjectDetailView, useAdvanceProject, useApproveProjectPayout, useCancelProjectJob, useSettleProjectJob, useStartPhase } from '../api';
import { fieldErrors, projectProblemMessage } from '../project-words';

/** What one blocker asks, and the one action that unblocks it from here (null: someone else acts, nothing to click). */
export type BlockerAction =
  | { kind: 'approve-payout'; roundId: string; amount: string }
  | { kind: 'open-vote'; decisionId: string }
  | { kind: 'cancel-job'; jobId: string }
  | { kind: 'settle-job'; jobId: string; amount: string }
  | { kind: 'start-phase' }
  | { kind: 'advance' }
  | { kind: 'write-plan' }
  | { kind: 'rounds' }
  | null;

export function blockerAction(d: ProjectDetailView, b: BlockerView): BlockerAction {
  const phase = d.phases.find((p) => p.phase === b.phase);
  if (b.party === 'coordinator' && phase?.round?.status === 'awaiting-payout' && /approve the payout/.test(b.what)) {
    return { kind: 'approve-payout', roundId: phase.round.id, amount: formatMoney(phase.round.total, phase.round.currency) };
  }
  if (b.settle && b.jobId) return { kind: 'settle-job', jobId: b.jobId, amount: formatMoney(b.settle.amount, b.settle.currency) };
  if (b.decisionId) return { kind: 'open-vote', decisionId: b.decisionId };
  if (b.party === 'coordinator' && /^start the phase|^restart the phase/.test(b.what)) return { kind: 'start-phase' };
  if (b.party === 'coordinator' && /advance the project/.test(b.what)) return { kind: 'advance' };
  if (b.party === 'coordinator' && /write the phase plan/.test(b.what)) return { kind: 'write-plan' };
  // A job that waits on a node or on nobody: cancelling it is the way out of a stuck one.
  if (b.jobId) return { kind: 'cancel-job', jobId: b.jobId };
  if (b.party === 'members' && /^pledge/.test(b.what)) return { kind: 'rounds' };
  return null;
}

const PARTY_WORDS: Record<BlockerView['party'], string> = { coordinator: 'A coordinator', members: 'The members', member: 'A member', node: 'A node' };

function who(d: ProjectDetailView, b: BlockerView, names: Map<string, string>): string {
  if (b.party === 'node' && b.id) {
    const job = d.phases.flatMap((p) => p.jobs).find((j) => j.nodeId === b.id);
    return job?.nodeName ? `Node ${job.nodeName}` : PARTY_WORDS.node;
  }
  if (b.party === 'member' && b.id) return names.get(b.id) ?? PARTY_WORDS.member;
  return PARTY_WORDS[b.party];
}

/** The blocker's words without ids and raw minor units (the API's sentence is for machines too). */
export function blockerWords(d: ProjectDetailView, b: BlockerView): string {
  const phase = d.phases.find((p) => p.phase === b.phase);
  if (/^pledge:/.test(b.what) && phase?.round) return `pledge: ${formatMoney(phase.round.total, phase.round.currency)} of ${formatMoney(phase.round.goal, phase.round.currency)} raised`;
  if (b.settle) {
    const job = phase?.jobs.find((j) => j.id === b.jobId);
    return `${job?.taskKey ? `Task ${job.taskKey}` : 'A job'} was delivered${job?.nodeName ? ` by ${job.nodeName}` : ''} and nobody confirmed it in time: ${formatMoney(b.settle.amount, b.settle.currency)} is still reserved. A treasurer pays the node or gives the money back to the project.`;
  }
  return b.what.replace(/job [0-9a-f-]{36}/g, 'a job');
}

interface Props {
  project: ProjectDetailView;
  memberNames: Map<string, string>;
  onWritePlan: () => void;
  /** A done action's words, kept above the list (the blocker itself goes once the API has moved on). */
  onDone: (message: string) => void;
}

/** "What blocks it now": who has to act on what, until when, and the action that unblocks it one click away. */
export function Blockers({ project: d, memberNames, onWritePlan, onDone }: Props) {
  if (d.status !== 'active') return <p className="muted">Nothing: the project is {d.status}.</p>;
  if (!d.blockedOn.length) return <p className="muted">Nothing waits on anyone right now: the work is under way.</p>;
  return (
    <ul className="blockers">
      {d.blockedOn.map((b, i) => (
        <li key={`${b.phase}-${b.jobId ?? b.decisionId ?? i}-${b.what}`}>
          <div className="blocker-who">
            {who(d, b, memberNames)} · {phaseName(b.phase)}
          </div>
          <div>
            {blockerWords(d, b)}
            {b.until ? (
              <span className="small">
                {' '}
                · by <Deadline at={b.until} />
              </span>
            ) : null}
          </div>
          <BlockerActionView project={d} action={blockerAction(d, b)} onWritePlan={onWritePlan} onDone={onDone} />
        </li>
      ))}
    </ul>
  );
}

function BlockerActionView({ project: d, action, onWritePlan, onDone }: { project: ProjectDetailView; action: BlockerAction; onWritePlan: () => void; onDone: (message: string) => void }) {
  const approve = useApproveProjectPayout();
  const start = useStartPhase();
  const advance = useAdvanceProject();
  const cancelJob = useCancelProjectJob();
  const settleJob = useSettleProjectJob();
  const [error, setError] = useState<string | null>(null);
  const [cancelOpen, setCancelOpen] = useState(false);
  const [reason, setReason] = useState('');
  const [reasonError, setReasonError] = useState<string | null>(null);
  if (!action) return null;
  const phase = d.phase as Parameters<typeof start.mutateAsync>[0]['phase'];

  async function run(what: () => Promise<unknown>, success: string) {
    setError(null);
    try {
      await what();
      onDone(success);
      return true;
    } catch (err) {
      const f = fieldErrors(err);
      if (f.reason) setReasonError(f.reason);
      else setError(projectProblemMessage(err));
      return false;
    }
  }

  function submitCancel(e: FormEvent, jobId: string) {
    e.preventDefault();
    if (!reason.trim()) return setReasonError('Say why: the node is told.');
    void run(() => cancelJob.mutateAsync({ jobId, reason: reason.trim() }), 'The job is cancelled: its node is told.').then((ok) => ok && setCancelOpen(false));
  }

  return (
    <div className="blocker-act">
      {action.kind === 'approve-payout' ? (
        <Button type="button" className="btn-small" busy={approve.isPending} onClick={() => void run(() => approve.mutateAsync(action.roundId), `Payout of ${action.amount} approved: the phase’s work is dispatched.`)}>
          Approve the payout of {action.amount}
        </Button>
      ) : action.kind === 'open-vote' ? (
        <Link className="btn btn-secondary btn-small" to={paths.decision(action.decisionId)}>
          Open the decision
        </Link>
      ) : action.kind === 'start-phase' ? (
        <Button type="button" className="btn-small" busy={start.isPending} onClick={() => void run(() => start.mutateAsync({ projectId: d.id, phase }), 'The phase is starting.')}>
          Start the phase
        </Button>
      ) : action.kind === 'advance' ? (
        <Button type="button" className="btn-small" busy={advance.isPending} onClick={() => void run(() => advance.mutateAsync({ projectId: d.id, fromPhase: phase }), d.gate.mode === 'members' ? 'The members are asked to vote on the gate.' : 'The project moves on to its next phase.')}>
          Pass the gate: advance the project
        </Button>
      ) : action.kind === 'write-plan' ? (
        <Button type="button" variant="secondary" className="btn-small" onClick={onWritePlan}>
          Write the plan
        </Button>
      ) : action.kind === 'rounds' ? (
        <Link className="btn btn-secondary btn-small" to={paths.consoleRounds()}>
          See the round
        </Link>
      ) : action.kind === 'settle-job' ? (
        <div className="actions">
          <Button type="button" className="btn-small" busy={settleJob.isPending && settleJob.variables?.outcome === 'pay'} onClick={() => void run(() => settleJob.mutateAsync({ jobId: action.jobId, outcome: 'pay' }), `${action.amount} paid to the node’s owner.`)}>
            Pay the node {action.amount}
          </Button>
          <Button type="button" variant="secondary" className="btn-small" busy={settleJob.isPending && settleJob.variables?.outcome === 'release'} onClick={() => void run(() => settleJob.mutateAsync({ jobId: action.jobId, outcome: 'release' }), `${action.amount} given back to the project.`)}>
            Give it back to the project
          </Button>
        </div>
      ) : action.kind === 'cancel-job' ? (
        cancelOpen ? (
          <form onSubmit={(e) => submitCancel(e, action.jobId)} noValidate aria-label="Cancel the job">
            <TextAreaField
              label="Why cancel this job?"
              hint="Its node is told; restart the phase with a changed plan to have it done another way."
              rows={2}
              maxLength={1000}
              value={reason}
              onChange={(e) => {
                setReason(e.target.value);
                setReasonError(null);
              }}
              error={reasonError}
            />
            <div className="actions">
              <Button type="submit" variant="danger" className="btn-small" busy={cancelJob.isPending}>
                Cancel the job
              </Button>
              <Button type="button" variant="secondary" className="btn-small" onClick={() => setCancelOpen(false)}>
                Keep it
              </Button>
            </div>
          </form>
        ) : (
          <Button type="button" variant="secondary" className="btn-small" aria-expanded={false} onClick={() => setCancelOpen(true)}>
            Cancel the stuck job…
          </Button>
        )
      ) : null}
      {error ? <Alert kind="error" title="Refused">{error}</Alert> : null}
    </div>
  );
}
