import { keepPreviousData, queryOptions, useMutation, useQueries, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api-client';
import { ApiProblem } from '@/lib/problem';
import type { SchemaCreateProjectDto, SchemaPhasePlanDto, SchemaProjectDetailDto, SchemaProjectDto } from '@/lib/api/schema';

/**
 * The console's projects: the list and one project's detail (GET /admin/projects[/:id]), and the
 * admin API's project and phase actions. The detail refreshes every 5 s (a phase's round, jobs and
 * blockers move on their own), the list every 15 s.
 */

export type WorkingPhase = 'rnd' | 'prototyping' | 'node-buildout' | 'upgrade';
export const WORKING_PHASES: WorkingPhase[] = ['rnd', 'prototyping', 'node-buildout', 'upgrade'];
export type ProjectStatus = SchemaProjectDto['status'];
export type ProjectView = SchemaProjectDto;

/**
 * What GET /admin/projects/:id gives beyond its OpenAPI types: the document types `phases`,
 * `blockedOn` and `events` as plain objects (apps/api/src/phases/phases.service.ts `PhaseDetail`,
 * apps/api/src/phases/blocked-on.ts `Blocker`).
 */
export interface BlockerView {
  phase: WorkingPhase;
  party: 'member' | 'members' | 'node' | 'coordinator';
  id: string | null;
  what: string;
  until: string | null;
  decisionId?: string;
  jobId?: string;
  /** A delivery nobody answered in time, its price still reserved: a treasurer pays or releases it. */
  settle?: { amount: string; currency: string };
}

export interface LeadTimesView {
  firstOfferedAt: string | null;
  acceptedAt: string | null;
  completedAt: string | null;
  confirmedAt: string | null;
}

export interface PhaseJobView {
  id: string;
  taskKey: string | null;
  capability: string;
  status: string;
  nodeId: string | null;
  nodeName: string | null;
  dueAt: string;
  leadTimes: LeadTimesView;
}

export interface PhaseRoundView {
  id: string;
  status: string;
  goal: string;
  total: string;
  currency: string;
  backers: number;
  deadline: string;
}

export interface PhaseDetailView {
  phase: WorkingPhase;
  state: 'not-planned' | 'planned' | 'running' | 'done' | 'failed' | 'cancelled' | 'skipped';
  planVersion: number | null;
  summary: string | null;
  attempt: number | null;
  reason: string | null;
  skippedBecause: string | null;
  round: PhaseRoundView | null;
  jobs: PhaseJobView[];
  blockedOn: Array<Omit<BlockerView, 'phase'>>;
  money: { currency: string; budget: string; reserved: string; paid: string; left: string } | null;
}

export interface ProjectEventView {
  at: string;
  source: 'project' | 'phase';
  phase: string;
  attempt: number | null;
  kind: string;
  actor: string | null;
  note: string | null;
}

export interface GateVoteView {
  decisionId: string;
  fromPhase: WorkingPhase;
  toPhase: string;
  deadline: string;
  voters: number;
  status: 'open' | 'approved' | 'not-approved' | 'cancelled';
  reason: string | null;
}

export type ProjectDetailView = Omit<SchemaProjectDetailDto, 'phases' | 'blockedOn' | 'events' | 'live' | 'gate'> & {
  gate: { mode: 'coordinator' | 'members'; voters?: string };
  phases: PhaseDetailView[];
  blockedOn: BlockerView[];
  events: ProjectEventView[];
  live: (Omit<NonNullable<SchemaProjectDetailDto['live']>, 'gateVote' | 'phases'> & { gateVote?: GateVoteView }) | null;
};

export const PROJECTS_PAGE = 10;

export const useConsoleProjects = (status: ProjectStatus | undefined, page: number) =>
  useQuery({
    queryKey: ['console', 'projects', status ?? 'all', page],
    queryFn: () => unwrap(api.GET('/admin/projects', { params: { query: { status, limit: PROJECTS_PAGE, offset: page * PROJECTS_PAGE } } })),
    placeholderData: keepPreviousData,
    refetchInterval: 15_000,
  });

export const consoleProjectQuery = (id: string) =>
  queryOptions({
    queryKey: ['console', 'project', id],
    queryFn: async () => (await unwrap(api.GET('/admin/projects/{id}', { params: { path: { id } } }))) as unknown as ProjectDetailView,
  });

export const useConsoleProject = (id: string) => useQuery({ ...consoleProjectQuery(id), refetchInterval: 5000 });

/** Each listed project's blockers (a page of at most PROJECTS_PAGE details, refreshed with the list). */
export const useProjectBlockers = (ids: string[]) =>
  useQueries({
    queries: ids.map((id) => ({ ...consoleProjectQuery(id), refetchInterval: 15_000, select: (d: ProjectDetailView) => d.blockedOn.length })),
  });

/** Every write here invalidates the console's project reads, the rounds and the board. */
function useProjectMutation<A, R>(fn: (a: A) => Promise<R>) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: fn,
    onSettled: async () => {
      await Promise.all([
        qc.invalidateQueries({ queryKey: ['console', 'project'] }),
        qc.invalidateQueries({ queryKey: ['console', 'projects'] }),
        qc.invalidateQueries({ queryKey: ['console', 'rounds'] }),
        qc.invalidateQueries({ queryKey: ['console', 'board'] }),
      ]);
    },
  });
}

/** A fresh key per action the person takes: a retry of the same request does not act twice. */
const idempotencyKey = () => crypto.randomUUID();

/** The spec marks fields with a server default (gate.rule, budget.closeWhenGoalMet…) as required: these bodies leave them out. */
export interface CreateProjectBody {
  name: string;
  description?: string;
  gate?: { mode: 'coordinator' | 'members'; voters?: 'funders' | 'owners'; assetId?: string; rule?: 'majority' | 'quorum' | 'unanimity'; quorumPercent?: number; votingHours?: number };
}

export const useCreateProject = () =>
  useProjectMutation((body: CreateProjectBody) => unwrap(api.POST('/admin/projects', { body: body as SchemaCreateProjectDto, params: { header: { 'Idempotency-Key': idempotencyKey() } } })));

export const usePutPlan = () =>
  useProjectMutation(({ projectId, phase, plan }: { projectId: string; phase: WorkingPhase; plan: PlanBody }) =>
    unwrap(api.PUT('/admin/projects/{id}/phases/{phase}/plan', { params: { path: { id: projectId, phase } }, body: plan as SchemaPhasePlanDto })),
  );

export const useStartPhase = () =>
  useProjectMutation(({ projectId, phase }: { projectId: string; phase: WorkingPhase }) =>
    unwrap(api.POST('/admin/projects/{id}/phases/{phase}/start', { params: { path: { id: projectId, phase }, header: { 'Idempotency-Key': idempotencyKey() } } })),
  );

export const useSkipPhase = () =>
  useProjectMutation(({ projectId, phase, reason }: { projectId: string; phase: WorkingPhase; reason: string }) =>
    unwrap(api.POST('/admin/projects/{id}/phases/{phase}/skip', { params: { path: { id: projectId, phase }, header: { 'Idempotency-Key': idempotencyKey() } }, body: { reason } })),
  );

export const useAdvanceProject = () =>
  useProjectMutation(({ projectId, fromPhase, note }: { projectId: string; fromPhase: WorkingPhase; note?: string }) =>
    unwrap(api.POST('/admin/projects/{id}/phases/advance', { params: { path: { id: projectId }, header: { 'Idempotency-Key': idempotencyKey() } }, body: { fromPhase, ...(note ? { note } : {}) } })),
  );

export const useCancelProject = () =>
  useProjectMutation(({ projectId, reason }: { projectId: string; reason: string }) =>
    unwrap(api.POST('/admin/projects/{id}/cancel', { params: { path: { id: projectId }, header: { 'Idempotency-Key': idempotencyKey() } }, body: { reason } })),
  );

export const useApproveProjectPayout = () => useProjectMutation((roundId: string) => unwrap(api.POST('/admin/rounds/{id}/payout/approve', { params: { path: { id: roundId } } })));

export const useCancelProjectJob = () =>
  useProjectMutation(({ jobId, reason }: { jobId: string; reason: string }) => unwrap(api.POST('/admin/jobs/{id}/cancel', { params: { path: { id: jobId } }, body: { reason } })));

export const useSettleProjectJob = () =>
  useProjectMutation(({ jobId, outcome }: { jobId: string; outcome: 'pay' | 'release' }) => unwrap(api.POST('/admin/jobs/{id}/settle', { params: { path: { id: jobId } }, body: { outcome } })));

/** The stored plan of a phase, or null when none is written yet (a 404). */
export const usePhasePlan = (projectId: string, phase: WorkingPhase, enabled: boolean) =>
  useQuery({
    queryKey: ['console', 'project', projectId, 'plan', phase],
    enabled,
    queryFn: async (): Promise<StoredPlan | null> => {
      const { data, error, response } = await api.GET('/admin/projects/{id}/phases/{phase}/plan', { params: { path: { id: projectId, phase } } });
      if (response.status === 404) return null;
      if (!response.ok) throw ApiProblem.from(response.status, error);
      return data as unknown as StoredPlan;
    },
  });

export interface StoredPlan {
  version: number;
  plan: PlanBody & { budget?: PlanBody['budget'] | null };
}

/** Who a task may go to: the active members and the nodes (first page of each: the plan form's choices). */
export const useRecipients = () =>
  useQuery({
    queryKey: ['console', 'recipients'],
    staleTime: 60_000,
    queryFn: async () => {
      const [members, nodes] = await Promise.all([
        unwrap(api.GET('/admin/members', { params: { query: { status: 'active', limit: 100 } } })),
        // The spec does not type this list's answer (apps/api/src/nodes/nodes.controller.ts): its items are NodeDto.
        unwrap(api.GET('/admin/nodes', { params: { query: { limit: 100 } } })) as Promise<unknown> as Promise<{ items: Array<{ id: string; name: string }> }>,
      ]);
      return {
        members: members.items.map((m) => ({ id: m.id, name: m.name })),
        nodes: nodes.items.map((n) => ({ id: n.id, name: n.name })),
      };
    },
  });

export interface PlanTaskBody {
  key: string;
  title: string;
  capability: string;
  quantity: number;
  unit: string;
  specUrl: string;
  dueInDays: number;
  output: 'design' | 'test-report' | 'goods' | 'upgrade';
  recipient: { type: 'member' | 'node'; id: string };
  offerTimeoutHours?: number;
  confirmWithinHours?: number;
}

export interface PlanBody {
  summary: string;
  tasks: PlanTaskBody[];
  budget?: { goal: string; currency: string; minPledge?: string; openForHours: number; payoutApproval?: 'coordinator' | 'members' };
}
