import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { DecisionAnswer, DecisionOutcome, DecisionRequest, DecisionStatus } from '@app/contracts';
import { decisionWorkflowId } from '@app/contracts';
import { DecisionEntity, DecisionVoterEntity } from '../entities/decision.entity';

export interface MemberDecisionRow {
  decision: DecisionEntity;
  voter: DecisionVoterEntity;
}

/**
 * The decisions read model. Writes come only from the decision workflow's activities and are
 * idempotent (a retried activity changes nothing); reads serve the decision page and member API.
 */
@Injectable()
export class DecisionsRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  async open(req: DecisionRequest): Promise<void> {
    await this.ds.transaction(async (m) => {
      await m
        .createQueryBuilder()
        .insert()
        .into(DecisionEntity)
        .values({
          id: req.decisionId,
          workflowId: decisionWorkflowId(req.decisionId),
          kind: req.kind,
          subjectType: req.subject.type,
          subjectId: req.subject.id,
          title: req.title,
          question: req.question,
          context: req.context,
          options: req.options,
          rule: req.rule,
          fallbackOptionId: req.fallbackOptionId,
          deadline: new Date(req.deadline),
          status: 'open',
          outcome: null,
          requestedBy: req.requestedBy,
          closedAt: null,
        })
        .orIgnore()
        .execute();
      await m
        .createQueryBuilder()
        .insert()
        .into(DecisionVoterEntity)
        .values(req.voterIds.map((memberId) => ({ decisionId: req.decisionId, memberId })))
        .orIgnore()
        .execute();
    });
  }

  /** Records an answer once; a repeat (activity retry) leaves the first one in place. */
  async recordAnswer(decisionId: string, a: DecisionAnswer): Promise<void> {
    await this.ds
      .createQueryBuilder()
      .update(DecisionVoterEntity)
      .set({ optionId: a.optionId, comment: a.comment, via: a.via, answeredAt: new Date(a.answeredAt) })
      .where('decision_id = :decisionId AND member_id = :memberId AND option_id IS NULL', { decisionId, memberId: a.memberId })
      .execute();
  }

  async close(decisionId: string, outcome: DecisionOutcome): Promise<void> {
    await this.ds
      .createQueryBuilder()
      .update(DecisionEntity)
      .set({ status: outcome.status, outcome, closedAt: new Date(outcome.closedAt) })
      .where("id = :decisionId AND status = 'open'", { decisionId })
      .execute();
  }

  findById(id: string): Promise<DecisionEntity | null> {
    return this.ds.getRepository(DecisionEntity).findOneBy({ id });
  }

  findVoter(decisionId: string, memberId: string): Promise<DecisionVoterEntity | null> {
    return this.ds.getRepository(DecisionVoterEntity).findOneBy({ decisionId, memberId });
  }

  voters(decisionId: string): Promise<DecisionVoterEntity[]> {
    return this.ds.getRepository(DecisionVoterEntity).find({ where: { decisionId }, order: { memberId: 'ASC' } });
  }

  /**
   * A member's decisions, newest deadline last. `pending`: open and not yet answered by them;
   * `open`: still open; `closed`: decided, defaulted, undecided or cancelled; `all`.
   */
  async forMember(
    memberId: string,
    filter: 'pending' | 'open' | 'closed' | 'all',
    page: { limit: number; offset: number },
  ): Promise<{ items: MemberDecisionRow[]; total: number }> {
    const q = this.ds
      .getRepository(DecisionVoterEntity)
      .createQueryBuilder('v')
      .innerJoinAndSelect('v.decision', 'd')
      .where('v.member_id = :memberId', { memberId });
    const open: DecisionStatus = 'open';
    if (filter === 'pending') q.andWhere('d.status = :open AND v.option_id IS NULL', { open });
    if (filter === 'open') q.andWhere('d.status = :open', { open });
    if (filter === 'closed') q.andWhere('d.status <> :open', { open });
    const [rows, total] = await q.orderBy('d.deadline', 'ASC').addOrderBy('d.id', 'ASC').take(page.limit).skip(page.offset).getManyAndCount();
    return { items: rows.map((v) => ({ decision: v.decision!, voter: v })), total };
  }
}
