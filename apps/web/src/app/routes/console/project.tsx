import { useMemo, useRef, useState } from 'react';
import { Link, useParams } from 'react-router';
import { Alert } from '@/components/ui/alert';
import { Money } from '@/components/ui/money';
import { Card, Loading, Page } from '@/components/ui/page';
import { phaseName } from '@/components/ui/phase-timeline';
import { paths } from '@/config/paths';
import { ConsoleProblem } from '@/features/console/components/console-problem';
import {
  type ProjectDetailView,
  type WorkingPhase,
  useAdvanceProject,
  useCancelProject,
  useConsoleProject,
  usePhasePlan,
  usePutPlan,
  useRecipients,
  useSkipPhase,
  useStartPhase,
  WORKING_PHASES,
} from '@/features/console/projects/api';
import { Blockers } from '@/features/console/projects/components/blockers';
import { PhaseActions } from '@/features/console/projects/components/phase-actions';
import { draftOf, PhasePlanForm } from '@/features/console/projects/components/phase-plan-form';
import { ProjectTimeline } from '@/features/console/projects/components/project-timeline';
import { PHASE_STATE_WORDS, PROJECT_STATUS_WORDS, ROUND_STATUS_WORDS } from '@/features/console/projects/project-words';
import { buildTimeline } from '@/features/console/projects/timeline-model';
import '@/features/console/projects/projects.css';
import { ProjectFlowsCard } from '@/features/flows/components/project-flows';
import { useCoordinators } from '@/features/people/api/people';
import { ConsoleReceiptButton } from '@/features/statements/components/console-receipt';
import { StatementView } from '@/features/statements/components/statement-view';
import { useNow } from '@/lib/use-now';

/**
 * `/console/projects/:id`: the project's phase timeline (phases, rounds, jobs and gates as bars in
 * time), what blocks it now with the action that unblocks it, its production flows, the current
 * phase's actions and its plan, and the statement of its account (receipts of its paid jobs). Refreshes every 5 s without a reload.
 */
export function ConsoleProjectRoute() {
  const { id = '' } = useParams();
  const project = useConsoleProject(id);
  const recipients = useRecipients();
  const now = useNow(5000);
  const [notice, setNotice] = useState<string | null>(null);
  const planRef = useRef<HTMLDivElement>(null);
  const people = useCoordinators();
  const coordinators = useMemo(() => new Map((people.data?.items ?? []).map((c) => [c.id, c.name])), [people.data]);
  const model = useMemo(() => (project.data ? buildTimeline(project.data, now, coordinators) : null), [project.data, now, coordinators]);
  const names = useMemo(() => new Map((recipients.data?.members ?? []).map((m) => [m.id, m.name])), [recipients.data]);
  if (project.isPending) return <Loading />;
  if (project.isError) return <ConsoleProblem error={project.error} />;
  const d = project.data;
  const active = d.status === 'active' && d.phase !== 'completed';
  return (
    <Page
      title={d.name}
      lead={
        <>
          {d.description ? <p style={{ margin: 0 }}>{d.description}</p> : null}
          <p className="small" style={{ margin: '.3rem 0 0' }}>
            <span className={`badge ${d.status === 'active' ? 'badge-info' : d.status === 'completed' ? 'badge-ok' : ''}`}>{PROJECT_STATUS_WORDS[d.status] ?? d.status}</span> {d.phase === 'completed' ? 'every phase passed' : `now in ${phaseName(d.phase)}`} · gates passed by{' '}
            {d.gate.mode === 'members' ? `the members’ vote (${d.gate.voters ?? 'funders'})` : 'the coordinator'} · <Link to={paths.consoleProjects()}>all projects</Link> · <Link to={paths.project(d.id)}>public page</Link> · <a href="#statement">statement</a>
          </p>
        </>
      }
    >
      {d.liveError ? <Alert kind="warning">The project’s process cannot be read right now ({d.liveError}): what follows comes from the database and may lag behind.</Alert> : null}
      <Card title="What blocks it now">
        {notice ? <Alert kind="success">{notice}</Alert> : null}
        <Blockers project={d} memberNames={names} onDone={setNotice} onWritePlan={() => planRef.current?.scrollIntoView({ behavior: 'smooth' })} />
      </Card>
      <Card title="Phase timeline">{model ? <ProjectTimeline model={model} /> : null}</Card>
      <PhaseTable project={d} />
      <ProjectFlowsCard projectId={d.id} />
      {active ? <CurrentPhase project={d} /> : null}
      <div ref={planRef}>{active ? <PlanCard project={d} recipients={recipients.data ?? { members: [], nodes: [] }} /> : null}</div>
      <div id="statement">
        <Card title="Statement of the project’s account">
          <StatementView source={{ kind: 'project', projectId: d.id }} receipt={(jobId) => <ConsoleReceiptButton jobId={jobId} />} />
        </Card>
      </div>
    </Page>
  );
}

function PhaseTable({ project: d }: { project: ProjectDetailView }) {
  return (
    <Card title="Phases">
      <div className="table-wrap">
        <table className="cards">
          <thead>
            <tr>
              <th scope="col">Phase</th>
              <th scope="col">State</th>
              <th scope="col">Funding round</th>
              <th scope="col">Jobs</th>
              <th scope="col">Budget left</th>
            </tr>
          </thead>
          <tbody>
            {d.phases.map((p) => (
              <tr key={p.phase}>
                <th scope="row">
                  {phaseName(p.phase)}
                  {p.summary ? <div className="small muted">{p.summary}</div> : null}
                </th>
                <td data-label="State">
                  {PHASE_STATE_WORDS[p.state] ?? p.state}
                  {p.skippedBecause ? <div className="small muted">{p.skippedBecause}</div> : p.reason ? <div className="small muted">{p.reason}</div> : null}
                </td>
                <td data-label="Funding round">
                  {p.round ? (
                    <>
                      <Money minor={p.round.total} currency={p.round.currency} /> of <Money minor={p.round.goal} currency={p.round.currency} />
                      <div className="small muted">
                        {ROUND_STATUS_WORDS[p.round.status] ?? p.round.status} · {p.round.backers} backer{p.round.backers === 1 ? '' : 's'}
                      </div>
                    </>
                  ) : (
                    '—'
                  )}
                </td>
                <td data-label="Jobs">{p.jobs.length ? `${p.jobs.filter((j) => j.status === 'confirmed').length} of ${p.jobs.length} confirmed` : '—'}</td>
                <td data-label="Budget left">{p.money ? <Money minor={p.money.left} currency={p.money.currency} /> : '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </Card>
  );
}

function CurrentPhase({ project: d }: { project: ProjectDetailView }) {
  const phase = d.phase as WorkingPhase;
  const start = useStartPhase();
  const skip = useSkipPhase();
  const advance = useAdvanceProject();
  const cancel = useCancelProject();
  const state = d.phases.find((p) => p.phase === phase)?.state ?? 'not-planned';
  return (
    <Card title={`The ${phaseName(phase)} phase`}>
      <PhaseActions
        phase={phase}
        state={(PHASE_STATE_WORDS[state] ?? state).toLowerCase()}
        onStart={() => start.mutateAsync({ projectId: d.id, phase })}
        onSkip={(reason) => skip.mutateAsync({ projectId: d.id, phase, reason })}
        onAdvance={(note) => advance.mutateAsync({ projectId: d.id, fromPhase: phase, note: note || undefined })}
        onCancel={(reason) => cancel.mutateAsync({ projectId: d.id, reason })}
      />
    </Card>
  );
}

function PlanCard({ project: d, recipients }: { project: ProjectDetailView; recipients: { members: Array<{ id: string; name: string }>; nodes: Array<{ id: string; name: string }> } }) {
  const ahead = WORKING_PHASES.slice(WORKING_PHASES.indexOf(d.phase as WorkingPhase));
  const [phase, setPhase] = useState<WorkingPhase>(ahead[0]);
  const plan = usePhasePlan(d.id, phase, true);
  const put = usePutPlan();
  const state = d.phases.find((p) => p.phase === phase)?.state;
  return (
    <Card title="Phase plan">
      <div className="field">
        <label htmlFor="plan-phase">Plan for</label>
        <select id="plan-phase" value={phase} onChange={(e) => setPhase(e.target.value as WorkingPhase)}>
          {ahead.map((p) => (
            <option key={p} value={p}>
              {phaseName(p)}
            </option>
          ))}
        </select>
      </div>
      {plan.isPending ? (
        <Loading />
      ) : plan.isError ? (
        <ConsoleProblem error={plan.error} />
      ) : plan.data && (state === 'running' || state === 'done' || state === 'skipped') ? (
        <div>
          <p className="small muted">This phase’s work has {state === 'skipped' ? 'been skipped' : 'started'}: its plan (version {plan.data.version}) is final.</p>
          <p>{plan.data.plan.summary}</p>
          {plan.data.plan.budget ? (
            <p className="small">
              Budget <Money minor={plan.data.plan.budget.goal} currency={plan.data.plan.budget.currency} />, open for {plan.data.plan.budget.openForHours} hours
            </p>
          ) : null}
          <ul className="small">
            {plan.data.plan.tasks.map((t) => (
              <li key={t.key}>
                {t.title}: {t.quantity} {t.unit} ({t.capability}), due {t.dueInDays} days after dispatch
              </li>
            ))}
          </ul>
        </div>
      ) : (
        <PhasePlanForm
          key={phase}
          phase={phase}
          initial={draftOf(phase, plan.data?.plan ?? null)}
          recipients={recipients}
          onSave={(body) => put.mutateAsync({ projectId: d.id, phase, plan: body })}
        />
      )}
    </Card>
  );
}
