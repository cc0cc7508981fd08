/**
 * The job's state and its message handlers (the pattern of the Temporal samples' state classes:
 * `safe-message-handlers/src/cluster-manager.ts`). The handlers only hand a node's answer, a
 * completion or a cancellation to the main function and wait until it was applied; what the job
 * does with them is in `steps.ts`.
 */
import { ApplicationFailure, condition, setHandler } from '@temporalio/workflow';
import {
  answerOfferUpdate,
  cancelJobUpdate,
  capacityFreedSignal,
  completeJobUpdate,
  completionProblem,
  CompletionReport,
  getJobQuery,
  JOB_HISTORY_EVENT_LIMIT,
  JOB_TEXT_MAX,
  JobCarry,
  JobInput,
  JobOffer,
  JobRejection,
  JobView,
  moneyAddedSignal,
  counterPriceProblem,
  NodeAnswer,
  ProgressReport,
  reportProgressUpdate,
} from '../../libs/contracts/src/job';
import { flowHandoffAnswerSignal, HandoffAnswerToJob } from '../../libs/contracts/src/flows';
import { record, set } from './steps';

const fail = (type: string, message: string) => ApplicationFailure.nonRetryable(message, type);
const tooLong = (s: string | undefined) => s !== undefined && s.length > JOB_TEXT_MAX;

export class JobState {
  /** What a run that continued as new brought along (v2 only); absent on a first run. */
  readonly carried: JobCarry | undefined;
  /** The live view: the query's and every update's answer, projected to PostgreSQL by `record`. */
  readonly view: JobView;
  /** The input's own exclusions: kept when the declined nodes get another chance. */
  readonly exclusions: string[];
  /**
   * Nodes not to offer this job to (again): those that declined, let it expire, or (for the rest of
   * a partial counter-offer) the node that is making the first part.
   */
  readonly tried: Set<string>;
  /** The offer waiting for an answer, if any. */
  currentOffer: JobOffer | null = null;
  /**
   * Before BOUNDED: webhooks and emails nobody waits for, awaited before the end. Since: the starts
   * of their notification children (a moment each), awaited before the end or continue-as-new.
   */
  readonly background: Array<Promise<unknown>> = [];
  recordSeq: number;
  /** Notification children started so far (their workflow ids are numbered). */
  notices: number;
  /** The node's answer to the current offer, until the offer step has applied it. */
  answer: NodeAnswer | undefined;
  /** The node's completion of the current run, until the run is recorded delivered. */
  completion: CompletionReport | undefined;
  cancel: { actor: string; reason: string } | undefined;
  /** The outcome is known (confirmed, unanswered, cancelled, failed): nothing more is taken. */
  finished = false;
  /** Slots nodes have freed (`capacityFreed`): a job waiting for capacity looks again. */
  freed = 0;
  /** Paid work (runs from `patched(PRICED)` with a price): the price is reserved, paid or released. */
  priced = false;
  /** Top-ups of the paying account (`moneyAdded`): a job waiting for money tries again. */
  moneyAdded = 0;
  /** A step or leg of a production flow (runs from `patched(FLOW)` with `input.flow`). */
  flow = false;
  /** The flow's latest answer to the hand-off of a run's output (`flowHandoffAnswer`). */
  handoffAnswer: HandoffAnswerToJob | undefined;
  readonly historyEventLimit: number;

  constructor(
    readonly input: JobInput,
    /** Runs from v0.4.0 on (`patched(BOUNDED)`); older runs keep their old path. */
    readonly v2: boolean,
  ) {
    this.carried = v2 ? input.carried : undefined;
    this.view = this.carried?.view ?? {
      jobId: input.jobId,
      status: 'searching',
      nodeId: null,
      quantity: input.quantity,
      dueAt: input.dueAt,
      offers: [],
      ...(v2 ? { offerCount: 0 } : {}),
      progress: null,
      runs: [],
      ...(v2 ? { runCount: 0, yield: { made: 0, scrapped: 0 } } : {}),
      remainderJobIds: [],
      escalations: [],
    };
    this.exclusions = input.excludeNodeIds ?? [];
    this.tried = new Set<string>(this.carried?.tried ?? this.exclusions);
    this.recordSeq = this.carried?.recordSeq ?? 0;
    this.notices = this.carried?.notices ?? 0;
    this.historyEventLimit = input.historyEventLimit ?? JOB_HISTORY_EVENT_LIMIT;
  }

  /** Marks the job as paid work (`patched(PRICED)` and a price): the view carries the price and where its money is. */
  setPriced(priced: boolean): void {
    this.priced = priced;
    if (priced && !this.carried) {
      this.view.price = { ...this.input.price! };
      this.view.payment = null;
    }
  }

  /** Runs completed so far (the view keeps only the latest). */
  runNo(): number {
    return this.view.runCount ?? this.view.runs.length;
  }

  registerHandlers(): void {
    const { view, v2 } = this;
    setHandler(getJobQuery, () => view);
    setHandler(
      answerOfferUpdate,
      async (a: NodeAnswer) => {
        // The same acceptance sent twice is harmless: the first one has already been applied.
        if (a.kind === 'accept' && view.nodeId === a.nodeId && view.status !== 'offered') return view;
        this.answer = a;
        await condition(() => this.answer !== a);
        return view;
      },
      { validator: (a: NodeAnswer) => this.validateAnswer(a) },
    );
    setHandler(
      reportProgressUpdate,
      async (r) => {
        if (v2) {
          // The report itself is in PostgreSQL (the node API wrote it); the job only learns that work started.
          if (view.status === 'accepted') await set(this, 'in-progress');
          return view;
        }
        view.progress = { percent: r.percent, note: r.note ?? null };
        if (view.status === 'accepted') view.status = 'in-progress';
        await record(this);
        return view;
      },
      { validator: (r) => this.validateProgress(r) },
    );
    setHandler(
      completeJobUpdate,
      async (r) => {
        const last = view.runs.at(-1);
        if (view.status !== 'accepted' && view.status !== 'in-progress' && last && last.made === r.made && last.scrapped === r.scrapped) return view; // a repeat
        this.completion = r;
        await condition(() => this.completion === undefined || view.status === 'cancelled');
        return view;
      },
      { validator: (r) => this.validateCompletion(r) },
    );
    setHandler(
      cancelJobUpdate,
      async (req) => {
        this.cancel = req;
        await condition(() => view.status === 'cancelled' || (v2 && this.finished));
        // The outcome came first (confirmed, unanswered): nothing is cancelled.
        if (view.status !== 'cancelled') throw fail(JobRejection.Closed, `the job is ${view.status}: it ended before the cancellation`);
        return view;
      },
      {
        validator: (req) => {
          if (['confirmed', 'cancelled', 'failed'].includes(view.status) || this.cancel || this.finished) throw fail(JobRejection.Closed, `the job is ${view.status}`);
          if (!req.reason?.trim()) throw ApplicationFailure.create({ type: 'InvalidArgument', message: 'reason is required', nonRetryable: true });
          if (v2 && tooLong(req.reason)) throw fail(JobRejection.TextTooLong, `a reason is at most ${JOB_TEXT_MAX} characters`);
        },
      },
    );
    setHandler(capacityFreedSignal, () => void (this.freed += 1));
    setHandler(moneyAddedSignal, () => void (this.moneyAdded += 1));
    if (this.flow) setHandler(flowHandoffAnswerSignal, (a) => void (this.handoffAnswer = a));
  }

  private validateAnswer(a: NodeAnswer): void {
    const { view, v2, currentOffer, input } = this;
    if (a.kind === 'accept' && view.nodeId === a.nodeId && ['accepted', 'in-progress'].includes(view.status)) {
      // Applied already: refused, so that a repeat takes no Update (the API answers it from the job row).
      if (v2) throw fail(JobRejection.Repeat, 'the job is already accepted by this node');
      return;
    }
    if (v2 && (tooLong(a.kind === 'reject' ? a.reason : undefined) || tooLong(a.kind === 'counter' ? a.note : undefined))) {
      throw fail(JobRejection.TextTooLong, `a reason or note is at most ${JOB_TEXT_MAX} characters`);
    }
    if (view.status !== 'offered' || !currentOffer || this.answer || this.cancel) {
      throw fail(view.nodeId && view.nodeId !== a.nodeId ? JobRejection.NotYours : JobRejection.NotOffered, `the job is ${view.status}, not waiting for an answer from this node`);
    }
    if (currentOffer.nodeId !== a.nodeId) throw fail(JobRejection.NotYours, 'the job is offered to another node');
    if (a.offerId && a.offerId !== currentOffer.offerId) throw fail(JobRejection.NotOffered, `offer ${a.offerId} is no longer open; the open one is ${currentOffer.offerId}`);
    if (a.kind === 'counter' && a.price !== undefined) {
      const problem = this.priced ? counterPriceProblem(a.price, { price: view.price, priceCeiling: input.priceCeiling }) : 'this job has no price to counter';
      if (problem) throw fail(JobRejection.CounterAboveCeiling, problem);
      if (view.payment === 'reserved') throw fail(JobRejection.CounterAboveCeiling, `the price of this job is reserved already (${view.price!.amount} ${view.price!.currency}): a rework is made at that price`);
    }
    if (a.kind === 'counter') {
      if (a.dueAt === undefined && a.quantity === undefined && !(this.priced && a.price !== undefined)) throw fail(JobRejection.InvalidCounter, 'a counter-offer names a later dueAt, a smaller quantity, or both');
      if (a.dueAt !== undefined && !(Date.parse(a.dueAt) > Date.now())) throw fail(JobRejection.InvalidCounter, 'dueAt must be a future ISO-8601 time');
      if (a.quantity !== undefined && (!Number.isInteger(a.quantity) || a.quantity < 1 || a.quantity >= view.quantity)) {
        throw fail(JobRejection.InvalidCounter, `quantity must be a whole number from 1 to ${view.quantity - 1}`);
      }
    }
  }

  private validateProgress(r: ProgressReport): void {
    const { view, v2 } = this;
    this.assigned(r.nodeId);
    if (!Number.isInteger(r.percent) || r.percent < 0 || r.percent > 100) throw fail(JobRejection.InvalidReport, 'percent must be a whole number from 0 to 100');
    if (v2 && tooLong(r.note)) throw fail(JobRejection.TextTooLong, `a note is at most ${JOB_TEXT_MAX} characters`);
    // One per run: later reports are recorded by the node API alone.
    if (v2 && view.status === 'in-progress') throw fail(JobRejection.Repeat, 'the job is already in progress: the node API records progress');
  }

  private validateCompletion(r: CompletionReport): void {
    const { view, v2, input } = this;
    const last = view.runs.at(-1);
    const repeat = view.nodeId === r.nodeId && ['delivered', 'confirmed'].includes(view.status) && last?.made === r.made && last?.scrapped === r.scrapped;
    if (repeat) {
      if (v2) throw fail(JobRejection.Repeat, 'this completion is already recorded');
      return;
    }
    this.assigned(r.nodeId);
    if (v2 && this.completion) throw fail(JobRejection.Repeat, 'a completion of this run is being recorded');
    if (v2) {
      const problem = completionProblem(r, view.quantity);
      if (problem) throw fail(JobRejection.InvalidReport, problem);
    }
    if (!Number.isInteger(r.made) || !Number.isInteger(r.scrapped) || r.made < 1 || r.scrapped < 0) {
      throw fail(JobRejection.InvalidReport, 'made must be a whole number of at least 1, scrapped a whole number of at least 0');
    }
    if (input.deliverable?.documentsRequired && !r.documents?.length) {
      throw fail(JobRejection.DocumentsRequired, `this job delivers a ${input.deliverable.kind}: attach at least one document (title, url) to complete it`);
    }
  }

  /** Progress and completion come only from the node that holds the job, while it is being made. */
  private assigned(nodeId: string): void {
    const { view } = this;
    if (this.cancel) throw fail(JobRejection.Closed, 'the job is being cancelled');
    if (view.nodeId !== nodeId) throw fail(view.nodeId ? JobRejection.NotYours : JobRejection.NotAccepted, view.nodeId ? 'the job is assigned to another node' : 'the job has not been accepted yet');
    if (!['accepted', 'in-progress'].includes(view.status)) throw fail(view.status === 'offered' ? JobRejection.NotAccepted : JobRejection.Closed, `the job is ${view.status}`);
  }
}
