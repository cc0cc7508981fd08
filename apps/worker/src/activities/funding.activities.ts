import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { ApplicationFailure, log } from '@temporalio/activity';
import { DataSource } from 'typeorm';
import {
  AssignOwnershipInput,
  CaptureInput,
  MoveHoldInput,
  PayOutInput,
  RecordRoundInput,
  RoundRejection,
  SendRoundMailInput,
} from '@app/contracts';
import { AssetEntity, FundingPledgeEntity, FundingRoundEntity, LedgerService, MemberEntity, OwnershipService, ProjectEntity } from '@app/db';
import { AccountKind, Currency, formatMoney, fundedShareTable, LedgerError, movement } from '@app/domain';
import { Mailer, MemberLinks, renderRoundMail } from '@app/mail';
import { sendMailOnce } from './send-mail';

/**
 * Activities of funding rounds: every money movement is one ledger posting under a key that names
 * the round, the member and the step, so a retried activity (or a restarted worker) never moves
 * money twice.
 */
@Injectable()
export class FundingActivities {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly ledger: LedgerService,
    private readonly ownership: OwnershipService,
    private readonly mailer: Mailer,
    private readonly links: MemberLinks,
  ) {}

  /**
   * Changes a member's hold by `delta` (member account ⇄ round escrow) and, in the same database
   * transaction, the pledge row and the round's totals. Refused for want of money: a typed failure.
   */
  async moveHold(input: MoveHoldInput): Promise<void> {
    const delta = BigInt(input.delta);
    const currency = input.currency as Currency;
    try {
      await this.ds.transaction(async (m) => {
        const member = await this.ledger.account('member', input.memberId, currency, m);
        const escrow = await this.ledger.account('escrow', input.roundId, currency, m);
        const result = await this.ledger.post(
          {
            idempotencyKey: `round:${input.roundId}:hold:${input.memberId}:${input.seq}`,
            kind: delta > 0n ? 'pledge-hold' : 'pledge-release',
            currency,
            entries: delta > 0n ? movement(member.id, escrow.id, delta) : movement(escrow.id, member.id, -delta),
            memo: `funding round ${input.roundId}`,
          },
          m,
        );
        if (result.replayed) return;
        await m.query(
          `INSERT INTO funding_pledges (round_id, member_id, amount) VALUES ($1, $2, $3)
           ON CONFLICT (round_id, member_id) DO UPDATE SET amount = funding_pledges.amount + EXCLUDED.amount`,
          [input.roundId, input.memberId, String(delta)],
        );
        await m.query(`DELETE FROM funding_pledges WHERE round_id = $1 AND member_id = $2 AND amount = 0`, [input.roundId, input.memberId]);
        await this.refreshTotals(m, input.roundId);
      });
    } catch (err) {
      if (err instanceof LedgerError && err.code === 'insufficient_funds') {
        throw ApplicationFailure.nonRetryable(`not enough money in the member's account for this pledge (${err.message})`, RoundRejection.InsufficientFunds);
      }
      throw err;
    }
  }

  /** Moves a held pledge into the round's account. Once per member and round. */
  async captureHold(input: CaptureInput): Promise<void> {
    await this.move(input, 'capture', ['escrow', input.roundId], ['round', input.roundId]);
  }

  /** Gives a held pledge back to the member (goal not met, or cancelled while open). */
  async releaseHold(input: CaptureInput): Promise<void> {
    await this.move(input, 'release', ['escrow', input.roundId], ['member', input.memberId]);
  }

  /** Gives a captured pledge back (payout refused, or cancelled while awaiting payout). */
  async refundCapture(input: CaptureInput): Promise<void> {
    await this.move(input, 'refund', ['round', input.roundId], ['member', input.memberId]);
  }

  /** Forwards the captured total to the project's account. Once per round. */
  async payOut(input: PayOutInput): Promise<void> {
    const currency = input.currency as Currency;
    const from = await this.ledger.account('round', input.roundId, currency);
    const to = await this.ledger.account('project', input.projectId, currency);
    await this.ledger.post({
      idempotencyKey: `round:${input.roundId}:payout`,
      kind: 'round-payout',
      currency,
      entries: movement(from.id, to.id, BigInt(input.amount)),
      memo: `funding round ${input.roundId}: payout to the project`,
    });
  }

  /** Creates the bought asset's ownership table from the contributions (exactly one whole). */
  async assignRoundOwnership(input: AssignOwnershipInput): Promise<void> {
    const asset = await this.ds.getRepository(AssetEntity).findOneByOrFail({ id: input.assetId });
    const lines = fundedShareTable(
      input.contributions.map((c) => ({ memberId: c.memberId, amount: BigInt(c.amount) })),
      asset.totalParts,
      input.operator ?? undefined,
    );
    await this.ownership.replaceTable(input.assetId, lines);
    log.info('ownership created from funding round', { roundId: input.roundId, assetId: input.assetId, owners: lines.length });
  }

  /** Projects the round's status (the pledges are projected by moveHold as they change). */
  async recordRound(input: RecordRoundInput): Promise<void> {
    await this.ds.getRepository(FundingRoundEntity).update({ id: input.roundId }, { status: input.status, reason: input.reason, total: BigInt(input.total), backers: input.backers });
  }

  /** The members told about a round: every active member, in id order. */
  async roundAudience(_input: { roundId: string }): Promise<string[]> {
    const rows = await this.ds.getRepository(MemberEntity).find({ where: { status: 'active' }, select: { id: true }, order: { id: 'ASC' } });
    return rows.map((r) => r.id);
  }

  async sendRoundMail(input: SendRoundMailInput): Promise<'sent' | 'already-sent'> {
    const round = await this.ds.getRepository(FundingRoundEntity).findOneByOrFail({ id: input.roundId });
    const project = await this.ds.getRepository(ProjectEntity).findOneByOrFail({ id: round.projectId });
    const member = await this.ds.getRepository(MemberEntity).findOneByOrFail({ id: input.memberId });
    const pledge = await this.ds.getRepository(FundingPledgeEntity).findOneBy({ roundId: round.id, memberId: member.id });
    const currency = round.currency as Currency;
    const mail = renderRoundMail({
      kind: input.kind,
      memberName: member.name,
      projectName: project.name,
      goal: formatMoney(round.goal, currency),
      total: formatMoney(round.total, currency),
      deadline: round.deadline,
      minPledge: formatMoney(round.minPledge, currency),
      reason: round.reason,
      // Signs the member in on the round's page: until the deadline while it is open, a week for the result.
      link: this.links.page(member.id, `/rounds/${round.id}`, input.kind === 'opened' || input.kind === 'reminder' ? round.deadline : new Date(Date.now() + 7 * 86_400_000)),
      pledged: pledge ? formatMoney(pledge.amount, currency) : null,
    });
    return (await sendMailOnce(this.mailer, `round:${round.id}:${input.kind}:${member.id}`, { to: member.email, ...mail })).status;
  }

  private async move(input: CaptureInput, step: string, from: [AccountKind, string], to: [AccountKind, string]): Promise<void> {
    const currency = input.currency as Currency;
    const a = await this.ledger.account(from[0], from[1], currency);
    const b = await this.ledger.account(to[0], to[1], currency);
    await this.ledger.post({
      idempotencyKey: `round:${input.roundId}:${step}:${input.memberId}`,
      kind: `pledge-${step}`,
      currency,
      entries: movement(a.id, b.id, BigInt(input.amount)),
      memo: `funding round ${input.roundId}`,
    });
  }

  private async refreshTotals(m: import('typeorm').EntityManager, roundId: string): Promise<void> {
    await m.query(
      `UPDATE funding_rounds SET total = COALESCE((SELECT SUM(amount) FROM funding_pledges WHERE round_id = $1), 0),
              backers = (SELECT COUNT(*) FROM funding_pledges WHERE round_id = $1), updated_at = now()
        WHERE id = $1`,
      [roundId],
    );
  }
}
