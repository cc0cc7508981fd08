import { Injectable } from '@nestjs/common';
import { ApplicationFailure, log } from '@temporalio/activity';
import type { DecisionAnswer, DecisionOutcome, DecisionRequest, SendDecisionMailInput } from '@app/contracts';
import { DecisionsRepository, MemberEntity, NamesRepository } from '@app/db';
import { DecisionLinks, EnqueueResult, MailOutbox, MemberLinks, renderDecisionMail } from '@app/mail';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

/** Activities of member decisions: the read model and the emails. */
@Injectable()
export class DecisionActivities {
  constructor(
    private readonly decisions: DecisionsRepository,
    private readonly outbox: MailOutbox,
    private readonly links: DecisionLinks,
    private readonly memberLinks: MemberLinks,
    private readonly names: NamesRepository,
    @InjectDataSource() private readonly ds: DataSource,
  ) {}

  /** Records the decision and the members asked. Idempotent on the decision id. */
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
   * Emails one member one message of a decision: the prompt, a reminder (skipped if they have
   * answered meanwhile) or the outcome. Sent at most once per (decision, kind, round, member),
   * however often Temporal retries this activity.
   */
  async sendDecisionMail(input: SendDecisionMailInput): Promise<EnqueueResult | 'skipped'> {
    const decision = await this.decisions.findById(input.decisionId);
    const voter = await this.decisions.findVoter(input.decisionId, input.memberId);
    const member = await this.ds.getRepository(MemberEntity).findOneBy({ id: input.memberId });
    if (!decision || !voter || !member) {
      throw ApplicationFailure.nonRetryable(`decision ${input.decisionId} or member ${input.memberId} not found`, 'DecisionMailTargetMissing');
    }
    if (input.kind === 'reminder' && voter.optionId !== null) return 'skipped';
    const key = `decision:${decision.id}:${input.kind}${input.round ? `-${input.round}` : ''}:${member.id}`;
    const mail = renderDecisionMail({
      kind: input.kind,
      memberName: member.name,
      title: decision.title,
      question: decision.question,
      context: decision.context,
      options: decision.options,
      deadline: decision.deadline,
      // Prompts link to /decide/<token> (the links already in mailboxes have that form); the result to the decision's page.
      link:
        input.kind === 'outcome'
          ? this.memberLinks.page(member.id, `/decisions/${decision.id}`, new Date(Date.now() + 7 * 86_400_000))
          : this.links.url({ decisionId: decision.id, memberId: member.id }, decision.deadline),
      outcome: decision.outcome,
      ownAnswer: voter.optionId,
    });
    const result = await this.outbox.enqueue({ key, to: member.email, ...mail });
    log.info('decision mail', { key, result });
    return result;
  }
}
