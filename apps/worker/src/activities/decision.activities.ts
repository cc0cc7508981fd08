import { Inject, Injectable } from '@nestjs/common';
import { ApplicationFailure, Context, log } from '@temporalio/activity';
import type {
  BallotCount,
  DecisionAnswer,
  DecisionOutcome,
  DecisionProblemInput,
  DecisionRequest,
  OpenBallotResult,
  QueueDecisionMailInput,
  QueueDecisionMailResult,
  SendDecisionMailInput,
} from '@app/contracts';
import { AppConfig } from '@app/config';
import { DecisionsRepository, MembersRepository, NamesRepository } from '@app/db';
import { DecisionLinks, EnqueueResult, escapeHtml, KeyedMail, MailOutbox, MemberLinks, renderDecisionMail } from '@app/mail';

/** Members whose mail is rendered and queued per statement (and per heartbeat). */
const MAIL_CHUNK = 500;

/** The mail key of one message of a decision: the same in both designs, so nobody is mailed twice. */
const mailKey = (decisionId: string, kind: string, round: number | undefined, memberId: string) => `decision:${decisionId}:${kind}${round ? `-${round}` : ''}:${memberId}`;

/** Text PostgreSQL can store: without NUL and unpaired surrogates (for messages about text it refused). */
const storable = (s: string) => s.split('\u0000').join('\\0').replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');

/** Activities of member decisions: the ballot (answers in PostgreSQL), the read model and the emails. */
@Injectable()
export class DecisionActivities {
  constructor(
    private readonly decisions: DecisionsRepository,
    private readonly outbox: MailOutbox,
    private readonly links: DecisionLinks,
    private readonly memberLinks: MemberLinks,
    private readonly names: NamesRepository,
    private readonly members: MembersRepository,
    @Inject(AppConfig) private readonly config: AppConfig,
  ) {}

  /** Records a decision whose answers live in PostgreSQL, and those asked (an audience resolved here). Idempotent. */
  async openDecisionBallot(req: DecisionRequest): Promise<OpenBallotResult> {
    return this.decisions.openBallot(await this.named(req));
  }

  /** Stops taking answers and counts them (see DecisionsRepository.closeBallot). Idempotent. */
  async closeDecisionBallot(input: { decisionId: string }): Promise<BallotCount> {
    return this.decisions.closeBallot(input.decisionId);
  }

  /**
   * Queues one kind of mail of a decision for every member it concerns (the prompt and the
   * outcome: everyone asked; a reminder: those who have not answered), rendered and inserted
   * into the outbox 500 members at a time. Heartbeats after each chunk with the last member
   * done, so a retry resumes there; the outbox key makes any overlap harmless. A reminder for a
   * decision that no longer takes answers queues nothing and says `closing`.
   */
  async queueDecisionMail(input: QueueDecisionMailInput): Promise<QueueDecisionMailResult> {
    const decision = await this.decisions.findById(input.decisionId);
    if (!decision) throw ApplicationFailure.nonRetryable(`decision ${input.decisionId} not found`, 'DecisionMailTargetMissing');
    const closing = decision.status !== 'open';
    if (input.kind === 'reminder' && closing) return { queued: 0, closing };
    const ctx = Context.current();
    let after = (ctx.info.heartbeatDetails as { after?: string } | undefined)?.after ?? null;
    let queued = 0;
    for (;;) {
      const voters = await this.decisions.mailBatch(decision.id, after, MAIL_CHUNK, input.kind === 'reminder');
      if (voters.length === 0) break;
      const mails: KeyedMail[] = voters.map((v) => ({
        key: mailKey(decision.id, input.kind, input.round, v.memberId),
        to: v.email,
        ...renderDecisionMail({
          kind: input.kind,
          memberName: v.name,
          title: decision.title,
          question: decision.question,
          context: decision.context,
          options: decision.options,
          deadline: decision.deadline,
          link: this.link(input.kind, decision, v.memberId),
          outcome: decision.outcome,
          ownAnswer: v.optionId,
        }),
      }));
      queued += await this.outbox.enqueueMany(mails);
      after = voters[voters.length - 1].memberId;
      ctx.heartbeat({ after });
    }
    log.info('decision mail queued', { decisionId: decision.id, kind: input.kind, round: input.round, queued });
    return { queued, closing };
  }

  /** Tells the coordinator, once per decision and step, that a decision could not store something. */
  async reportDecisionProblem(input: DecisionProblemInput): Promise<void> {
    const decision = await this.decisions.findById(input.decisionId);
    const what = decision ? `"${decision.title}" (${decision.id})` : input.decisionId;
    const text =
      `A member decision could not store its data (step: ${input.step}).\n\n` +
      `Decision: ${what}\nWhat PostgreSQL said: ${input.message}\n\n` +
      `The decision went on without it (or, if it could not even be recorded, it ended and whoever asked was told). ` +
      `See GET /admin/decisions/${input.decisionId}.\n`;
    await this.outbox.enqueue({
      key: `decision:${input.decisionId}:problem:${storable(input.step).slice(0, 100)}`,
      to: this.config.coordinatorEmail,
      subject: storable(`Decision problem: ${decision?.title ?? input.decisionId}`),
      text: storable(text),
      html: `<pre style="font-family: system-ui, sans-serif; white-space: pre-wrap">${escapeHtml(storable(text))}</pre>`,
    });
    log.warn('decision problem reported to the coordinator', { ...input });
  }

  /** Prompts link to /decide/<token> (the links already in mailboxes have that form); the result to the decision's page. */
  private link(kind: SendDecisionMailInput['kind'], decision: { id: string; deadline: Date }, memberId: string): string {
    return kind === 'outcome'
      ? this.memberLinks.page(memberId, `/decisions/${decision.id}`, new Date(Date.now() + 7 * 86_400_000))
      : this.links.url({ decisionId: decision.id, memberId }, decision.deadline);
  }

  /** Records the decision and the members asked (runs that keep answers in the workflow). Idempotent on the decision id. */
  async openDecision(req: DecisionRequest): Promise<void> {
    await this.decisions.open(await this.named(req));
  }

  /**
   * A delivery confirmation as the job workflow words it names the node by its id (the workflow
   * has no names); the page and the emails read the decision's row, so it is recorded with the
   * node's, the product's and the project's names instead.
   */
  private async named(req: DecisionRequest): Promise<DecisionRequest> {
    if (req.kind !== 'delivery-confirmation' || req.subject.type !== 'delivery') return req;
    const n = await this.names.delivery(req.subject.id);
    if (!n) return req;
    const node = n.nodeName ? `"${n.nodeName}"` : 'The node';
    return {
      ...req,
      title: req.title.replace(/ of [^ ]+$/, ` of ${n.what}`),
      question: req.question.replace(/^Node \S+/, node),
      context: [
        ...(n.forWhat ? [{ label: 'For', value: n.forWhat }] : []),
        ...(n.nodeName ? [{ label: 'Made by', value: n.nodeName }] : []),
        ...req.context.filter((c) => c.label !== 'Job'),
      ],
    };
  }

  async recordDecisionAnswer(input: { decisionId: string; answer: DecisionAnswer }): Promise<void> {
    await this.decisions.recordAnswer(input.decisionId, input.answer);
  }

  async closeDecision(input: { decisionId: string; outcome: DecisionOutcome }): Promise<void> {
    await this.decisions.close(input.decisionId, input.outcome);
  }

  /**
   * (Runs that keep answers in the workflow.) Emails one member one message of a decision: the prompt, a reminder (skipped if they have
   * answered meanwhile) or the outcome. Sent at most once per (decision, kind, round, member),
   * however often Temporal retries this activity.
   */
  async sendDecisionMail(input: SendDecisionMailInput): Promise<EnqueueResult | 'skipped'> {
    const decision = await this.decisions.findById(input.decisionId);
    const voter = await this.decisions.findVoter(input.decisionId, input.memberId);
    const member = await this.members.findById(input.memberId);
    if (!decision || !voter || !member) {
      throw ApplicationFailure.nonRetryable(`decision ${input.decisionId} or member ${input.memberId} not found`, 'DecisionMailTargetMissing');
    }
    if (input.kind === 'reminder' && voter.optionId !== null) return 'skipped';
    const key = mailKey(decision.id, input.kind, input.round, member.id);
    const mail = renderDecisionMail({
      kind: input.kind,
      memberName: member.name,
      title: decision.title,
      question: decision.question,
      context: decision.context,
      options: decision.options,
      deadline: decision.deadline,
      link: this.link(input.kind, decision, member.id),
      outcome: decision.outcome,
      ownAnswer: voter.optionId,
    });
    const result = await this.outbox.enqueue({ key, to: member.email, ...mail });
    log.info('decision mail', { key, result });
    return result;
  }
}
