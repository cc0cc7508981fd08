import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { BallotCount, DecisionAnswer, DecisionAudience, DecisionOutcome, DecisionRequest, DecisionStatus } from '@app/contracts';
import { decisionWorkflowId, PER_MEMBER_OUTCOME_LIMIT } from '@app/contracts';
import { evaluateTally } from '@app/domain';
import { DecisionEntity, DecisionVoterEntity } from '../entities/decision.entity';
import { PROJECT_FUNDERS_SQL } from '../projects/projects.repository';

export interface MemberDecisionRow {
  decision: DecisionEntity;
  voter: DecisionVoterEntity;
}

/** How an answer given in the database went (`answer`). */
export type BallotAnswerResult =
  | { kind: 'recorded'; answeredAt: Date; /** This answer made the outcome certain: the decision is now `closing`. */ certain: boolean }
  | { kind: 'repeat'; answeredAt: Date }
  | { kind: 'changed'; optionId: string }
  | { kind: 'closed'; status: DecisionStatus }
  | { kind: 'not-asked' }
  | { kind: 'unknown-option'; optionIds: string[] };

/** One member to mail, in member id order (`mailBatch`). */
export interface VoterToMail {
  memberId: string;
  name: string;
  email: string;
  optionId: string | null;
}

/**
 * The members of an audience, active only, as one SQL select with its parameter as `$2` (the
 * decision id is `$1`), so the list goes from one table to another without leaving PostgreSQL.
 */
function audienceSql(a: DecisionAudience): { sql: string; param: string } {
  switch (a.kind) {
    case 'round-backers':
      return {
        sql: `SELECT DISTINCT p.member_id FROM funding_pledges p JOIN members m ON m.id = p.member_id AND m.status = 'active' WHERE p.round_id = $2 AND p.amount > 0`,
        param: a.roundId,
      };
    case 'asset-owners':
      return {
        sql: `SELECT s.member_id FROM asset_shares s JOIN members m ON m.id = s.member_id AND m.status = 'active' WHERE s.asset_id = $2 AND s.parts > 0`,
        param: a.assetId,
      };
    case 'project-funders':
      return {
        sql: `SELECT DISTINCT f.member_id FROM (${PROJECT_FUNDERS_SQL.replace(/\$1/g, '$2')}) f JOIN members m ON m.id = f.member_id AND m.status = 'active'`,
        param: a.projectId,
      };
  }
}

/**
 * Member decisions. For decisions that keep their answers here (`answers_in = 'database'`) this
 * is the truth: the API answers in one transaction under the decision row's lock, the workflow's
 * activities open, count and close. For older decisions it is the read model of the workflow,
 * written only by its activities. Every write is idempotent (a retried activity changes nothing).
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

  /**
   * Opens a decision whose answers live here: the row, then the members asked (the ids given and
   * the audience resolved by one INSERT … SELECT), and their number. A retry after a commit
   * resolves nothing again: those asked are those of the first attempt.
   */
  async openBallot(req: DecisionRequest): Promise<{ asked: number }> {
    return this.ds.transaction(async (m) => {
      const inserted = await m
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
          answersIn: 'database',
          audience: req.audience ?? null,
          tally: Object.fromEntries(req.options.map((o) => [o.id, 0])),
        })
        .orIgnore()
        .returning(['id'])
        .execute();
      if ((inserted.raw as unknown[]).length > 0) {
        if (req.voterIds.length > 0) {
          await m.query(`INSERT INTO decision_voters (decision_id, member_id) SELECT $1, unnest($2::uuid[]) ON CONFLICT DO NOTHING`, [req.decisionId, req.voterIds]);
        }
        if (req.audience) {
          const { sql, param } = audienceSql(req.audience);
          await m.query(`INSERT INTO decision_voters (decision_id, member_id) SELECT $1, a.member_id FROM (${sql}) a ON CONFLICT DO NOTHING`, [req.decisionId, param]);
        }
        await m.query(`UPDATE decisions SET asked = (SELECT count(*) FROM decision_voters WHERE decision_id = $1) WHERE id = $1`, [req.decisionId]);
      }
      const [row] = (await m.query(`SELECT asked FROM decisions WHERE id = $1`, [req.decisionId])) as Array<{ asked: number }>;
      return { asked: row.asked };
    });
  }

  /** How many active members an audience has now (e.g. before a gate opens a vote among them). */
  async countAudience(a: DecisionAudience): Promise<number> {
    const { sql, param } = audienceSql(a);
    const [row] = (await this.ds.query(`SELECT count(*)::int AS n FROM (${sql.replace(/\$2/g, '$1')}) a`, [param])) as Array<{ n: number }>;
    return row.n;
  }

  /**
   * One member's answer, in one transaction under the decision row's lock (which serializes it
   * with the other answers and with the close): checks it, records it, counts it, and evaluates
   * the rules on the counts. The answer that makes the outcome certain moves the decision to
   * `closing` (no answer is taken after it) and says so: its caller tells the workflow, once.
   */
  async answer(input: { decisionId: string; memberId: string; optionId: string; comment: string | null; via: 'link' | 'api' }): Promise<BallotAnswerResult> {
    return this.ds.transaction(async (m) => {
      const [d] = (await m.query(
        `SELECT status, options, rule, asked, tally, deadline <= now() AS past FROM decisions WHERE id = $1 FOR UPDATE`,
        [input.decisionId],
      )) as Array<Pick<DecisionEntity, 'status' | 'options' | 'rule' | 'asked' | 'tally'> & { past: boolean }>;
      const [v] = (await m.query(`SELECT option_id, answered_at FROM decision_voters WHERE decision_id = $1 AND member_id = $2`, [input.decisionId, input.memberId])) as Array<{
        option_id: string | null;
        answered_at: Date | null;
      }>;
      if (!d || !v) return { kind: 'not-asked' };
      const optionIds = d.options.map((o) => o.id);
      if (!optionIds.includes(input.optionId)) return { kind: 'unknown-option', optionIds };
      if (v.option_id !== null) return v.option_id === input.optionId ? { kind: 'repeat', answeredAt: v.answered_at! } : { kind: 'changed', optionId: v.option_id };
      if (d.status !== 'open' || d.past) return { kind: 'closed', status: d.status };
      const [recorded] = (await m.query(
        `UPDATE decision_voters SET option_id = $3, comment = $4, via = $5, answered_at = now()
          WHERE decision_id = $1 AND member_id = $2 AND option_id IS NULL RETURNING answered_at`,
        [input.decisionId, input.memberId, input.optionId, input.comment, input.via],
      )) as [Array<{ answered_at: Date }>, number];
      const tally = { ...d.tally, [input.optionId]: (d.tally[input.optionId] ?? 0) + 1 };
      const certain = evaluateTally({ rule: d.rule, optionIds, asked: d.asked, tally }, false) !== null;
      await m.query(`UPDATE decisions SET answered = answered + 1, tally = $2, status = CASE WHEN $3 THEN 'closing' ELSE status END WHERE id = $1`, [
        input.decisionId,
        JSON.stringify(tally),
        certain,
      ]);
      return { kind: 'recorded', answeredAt: recorded[0].answered_at, certain };
    });
  }

  /**
   * Closes the ballot box (`closing`: no answer is taken any more) and counts it. Counted from the
   * answers themselves, once per decision; every member's part only for small decisions.
   */
  async closeBallot(decisionId: string): Promise<BallotCount> {
    return this.ds.transaction(async (m) => {
      const found = (await m.query(`SELECT status FROM decisions WHERE id = $1 FOR UPDATE`, [decisionId])) as Array<{ status: DecisionStatus }>;
      // Withdrawn before it was recorded: there is nothing to count.
      if (found.length === 0) return { asked: 0, answered: 0, tally: {}, perMember: [] };
      if (found[0].status === 'open') await m.query(`UPDATE decisions SET status = 'closing' WHERE id = $1`, [decisionId]);
      const counts = (await m.query(`SELECT option_id, count(*)::int AS n FROM decision_voters WHERE decision_id = $1 GROUP BY option_id`, [decisionId])) as Array<{
        option_id: string | null;
        n: number;
      }>;
      const tally: Record<string, number> = {};
      let asked = 0;
      for (const c of counts) {
        asked += c.n;
        if (c.option_id !== null) tally[c.option_id] = c.n;
      }
      const answered = asked - (counts.find((c) => c.option_id === null)?.n ?? 0);
      const perMember =
        asked <= PER_MEMBER_OUTCOME_LIMIT
          ? ((await m.query(`SELECT member_id AS "memberId", option_id AS "optionId", comment FROM decision_voters WHERE decision_id = $1 ORDER BY member_id`, [decisionId])) as BallotCount['perMember'])
          : null;
      return { asked, answered, tally, perMember };
    });
  }

  /** The next members to mail after `after` (member id order), optionally only those who have not answered. */
  async mailBatch(decisionId: string, after: string | null, limit: number, unansweredOnly: boolean): Promise<VoterToMail[]> {
    return (await this.ds.query(
      `SELECT v.member_id AS "memberId", m.name, m.email, v.option_id AS "optionId"
         FROM decision_voters v JOIN members m ON m.id = v.member_id
        WHERE v.decision_id = $1 AND ($2::uuid IS NULL OR v.member_id > $2::uuid) AND (NOT $4 OR v.option_id IS NULL)
        ORDER BY v.member_id LIMIT $3`,
      [decisionId, after, limit, unansweredOnly],
    )) as VoterToMail[];
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
      .where("id = :decisionId AND status IN ('open', 'closing')", { decisionId })
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

  /** A page of those asked (member id order), with the number asked and answered. */
  async votersPage(decisionId: string, page: { limit: number; offset: number }): Promise<{ items: DecisionVoterEntity[]; asked: number; answered: number }> {
    const items = await this.ds.getRepository(DecisionVoterEntity).find({ where: { decisionId }, order: { memberId: 'ASC' }, take: page.limit, skip: page.offset });
    return { items, ...(await this.counts(decisionId)) };
  }

  /** How many members were asked and how many have answered, counted from the answers. */
  async counts(decisionId: string): Promise<{ asked: number; answered: number }> {
    const [c] = (await this.ds.query(`SELECT count(*)::int AS asked, count(option_id)::int AS answered FROM decision_voters WHERE decision_id = $1`, [decisionId])) as Array<{
      asked: number;
      answered: number;
    }>;
    return c;
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
