import { Inject, Injectable } from '@nestjs/common';
import { ApplicationFailure, heartbeat, log } from '@temporalio/activity';
import { Client } from '@temporalio/client';
import { AppConfig } from '@app/config';
import {
  AssignOwnershipInput,
  AssignRoundOwnershipInput,
  CaptureInput,
  CloseRoundInput,
  MoveHoldInput,
  OperatorPledgeInput,
  PayOutInput,
  QueueRoundMailInput,
  RecordRoundInput,
  RecordRoundStatusInput,
  RoundRejection,
  RoundTallyView,
  SendRoundMailInput,
  SettledRoundPage,
  SettleRoundPageInput,
} from '@app/contracts';
import {
  AssetEntity,
  AssetsRepository,
  FundingRepository,
  FundingRoundEntity,
  JobPaymentsRepository,
  LedgerService,
  MembersRepository,
  OwnershipService,
  PledgeRefusedError,
  ProjectEntity,
  ProjectsRepository,
  SettledPage,
} from '@app/db';
import { AccountKind, Currency, formatMoney, fundedShareTable, LedgerError, movement } from '@app/domain';
import { EnqueueResult, MailOutbox, MemberLinks, renderRoundMail } from '@app/mail';
import { wakeJobsWaitingForMoney } from '@app/temporal';

/** Members rendered and queued per chunk of a round's mail (one heartbeat per chunk). */
const MAIL_CHUNK = 500;

const page = (p: SettledPage): SettledRoundPage => ({ count: p.count, amount: String(p.amount), last: p.last });

/**
 * A row the round's workflow names must exist: a plain (retryable) error otherwise, as TypeORM's
 * `findOneByOrFail` threw before (a row written late, e.g. by a restored backup, is picked up).
 */
function found<T>(row: T | null, what: string, id: string): T {
  if (!row) throw new Error(`${what} ${id} not found`);
  return row;
}

/**
 * Activities of funding rounds: every money movement is one ledger posting under a key that names
 * the round, the member (or the first member of a page) and the step, so a retried activity (or a
 * restarted worker) never moves money twice.
 *
 * Rounds whose pledges live in PostgreSQL use the first group (status, close, settlement pages,
 * queued mail); rounds started before that keep using the legacy group below it, unchanged.
 */
@Injectable()
export class FundingActivities {
  constructor(
    private readonly ledger: LedgerService,
    private readonly ownership: OwnershipService,
    private readonly funding: FundingRepository,
    private readonly assets: AssetsRepository,
    private readonly projects: ProjectsRepository,
    private readonly members: MembersRepository,
    private readonly outbox: MailOutbox,
    private readonly links: MemberLinks,
    @Inject(AppConfig) private readonly config: AppConfig,
    private readonly payments: JobPaymentsRepository,
    @Inject(Client) private readonly temporal: Client,
  ) {}

  /** The round's status (the pledges and totals are written by each pledge). */
  async recordRoundStatus(input: RecordRoundStatusInput): Promise<void> {
    await this.funding.recordStatus(input.roundId, input.seq, input.status, input.reason);
  }

  /** Closes the round for pledges (waits for those in flight) and returns its final tally. */
  async closeRound(input: CloseRoundInput): Promise<RoundTallyView> {
    const t = await this.funding.close(input.roundId, input.seq);
    return { total: String(t.total), backers: t.backers };
  }

  /** The operator's up-front share, held while the round is still `opening`. */
  async placeOperatorPledge(input: OperatorPledgeInput): Promise<void> {
    try {
      await this.funding.setPledge(input.roundId, input.memberId, BigInt(input.amount), { allowOpening: true });
    } catch (err) {
      if (err instanceof PledgeRefusedError) throw ApplicationFailure.nonRetryable(err.message, err.code === 'insufficient_funds' ? RoundRejection.InsufficientFunds : RoundRejection.NotOpen);
      throw err;
    }
  }

  /** Captures the next page of holds into the round's account (goal met). */
  async captureHoldsPage(input: SettleRoundPageInput): Promise<SettledRoundPage> {
    return page(await this.funding.capturePage(input.roundId, input.currency as Currency, input.after, this.config.roundSettlePageSize));
  }

  /** Releases the next page of holds back to their members (whatever each hold account holds). */
  async releaseHoldsPage(input: SettleRoundPageInput): Promise<SettledRoundPage> {
    return page(await this.funding.releasePage(input.roundId, input.currency as Currency, input.after, this.config.roundSettlePageSize));
  }

  /** Refunds the next page of captures from the round's account. */
  async refundCapturesPage(input: SettleRoundPageInput): Promise<SettledRoundPage> {
    return page(await this.funding.refundPage(input.roundId, input.currency as Currency, input.after, this.config.roundSettlePageSize));
  }

  /**
   * Creates the bought asset's ownership table from what each backer put in (captured), unless
   * the asset already has owners: a round never replaces an ownership table.
   */
  async assignOwnershipFromPledges(input: AssignRoundOwnershipInput): Promise<{ assigned: boolean; reason: string | null }> {
    const asset = await this.fundedAsset(input.assetId);
    const lines = fundedShareTable(await this.funding.contributions(input.roundId), asset.totalParts, input.operator ?? undefined);
    const outcome = await this.ownership.createTableForRound(input.assetId, lines);
    if (outcome === 'already-owned') {
      const reason = `the ownership of asset ${asset.name} was not created: it already has owners (settle the backers' parts with the coordinator)`;
      log.warn(reason, { roundId: input.roundId, assetId: input.assetId });
      return { assigned: false, reason };
    }
    log.info('ownership created from funding round', { roundId: input.roundId, assetId: input.assetId, owners: lines.length });
    return { assigned: true, reason: null };
  }

  /**
   * Queues one of the round's emails for a whole audience, rendered per member and inserted in
   * chunks (one heartbeat per chunk): thousands of members take one activity, and a retry queues
   * nothing twice (one outbox key per round, kind and member).
   */
  async queueRoundMail(input: QueueRoundMailInput): Promise<number> {
    const { round, project } = await this.roundWithProject(input.roundId);
    const currency = round.currency as Currency;
    const live = round.status === 'open' ? await this.funding.liveTally(round.id) : { total: round.total, backers: round.backers };
    const linkUntil = input.kind === 'opened' || input.kind === 'reminder' ? round.deadline : new Date(Date.now() + 7 * 86_400_000);
    let queued = 0;
    for (let after = '00000000-0000-0000-0000-000000000000'; ; ) {
      const rows = await this.funding.mailAudiencePage(round.id, input.audience, after, MAIL_CHUNK);
      if (rows.length === 0) break;
      queued += await this.outbox.enqueueMany(
        rows.map((m) => ({
          key: `round:${round.id}:${input.kind}:${m.id}`,
          to: m.email,
          ...renderRoundMail({
            kind: input.kind,
            memberName: m.name,
            projectName: project.name,
            goal: formatMoney(round.goal, currency),
            total: formatMoney(live.total, currency),
            deadline: round.deadline,
            minPledge: formatMoney(round.minPledge, currency),
            reason: round.reason,
            // Signs the member in on the round's page: until the deadline while it is open, a week for the result.
            link: this.links.page(m.id, `/rounds/${round.id}`, linkUntil),
            pledged: m.pledged && BigInt(m.pledged) > 0n ? formatMoney(BigInt(m.pledged), currency) : null,
          }),
        })),
      );
      after = rows[rows.length - 1].id;
      heartbeat(after);
    }
    log.info('round mail queued', { roundId: round.id, kind: input.kind, audience: input.audience, queued });
    return queued;
  }

  // ---- Rounds started before pledges moved to PostgreSQL (legacy.ts): unchanged behaviour. ----

  /**
   * Changes a member's hold by `delta` (member account ⇄ round escrow) and, in the same database
   * transaction, the pledge row and the round's totals. Refused for want of money: a typed failure.
   */
  async moveHold(input: MoveHoldInput): Promise<void> {
    const delta = BigInt(input.delta);
    const currency = input.currency as Currency;
    try {
      await this.funding.moveLegacyHold({ roundId: input.roundId, memberId: input.memberId, currency, delta, seq: input.seq });
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
    // Priced jobs of the project that wait for money try their reservation again now (a retry of
    // this activity tells them again: a signal to a job that no longer waits changes nothing).
    await wakeJobsWaitingForMoney(this.temporal, await this.payments.waitingOn(to.id), (m) => log.warn(m, { roundId: input.roundId }));
  }

  /** Creates the bought asset's ownership table from the contributions (exactly one whole). */
  async assignRoundOwnership(input: AssignOwnershipInput): Promise<void> {
    const asset = await this.fundedAsset(input.assetId);
    const lines = fundedShareTable(
      input.contributions.map((c) => ({ memberId: c.memberId, amount: BigInt(c.amount) })),
      asset.totalParts,
      input.operator ?? undefined,
    );
    // Never over an existing table (it is logged, and the round still finishes).
    const outcome = await this.ownership.createTableForRound(input.assetId, lines);
    log.info(outcome === 'created' ? 'ownership created from funding round' : 'ownership NOT created: the asset already has owners', { roundId: input.roundId, assetId: input.assetId, owners: lines.length });
  }

  /** Projects the round's status (the pledges are projected by moveHold as they change). */
  async recordRound(input: RecordRoundInput): Promise<void> {
    await this.funding.recordLegacyRound({ roundId: input.roundId, status: input.status, reason: input.reason, total: input.total, backers: input.backers });
  }

  /** The members told about a round: every active member, in id order. */
  async roundAudience(_input: { roundId: string }): Promise<string[]> {
    return this.members.allActiveIds();
  }

  async sendRoundMail(input: SendRoundMailInput): Promise<EnqueueResult> {
    const { round, project } = await this.roundWithProject(input.roundId);
    const member = found(await this.members.findById(input.memberId), 'member', input.memberId);
    const pledge = await this.funding.findPledge(round.id, member.id);
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
    return this.outbox.enqueue({ key: `round:${round.id}:${input.kind}:${member.id}`, to: member.email, ...mail });
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

  private async fundedAsset(assetId: string): Promise<AssetEntity> {
    return found(await this.assets.findById(assetId), 'asset', assetId);
  }

  private async roundWithProject(roundId: string): Promise<{ round: FundingRoundEntity; project: ProjectEntity }> {
    const round = found(await this.funding.find(roundId), 'funding round', roundId);
    return { round, project: found(await this.projects.findById(round.projectId), 'project', round.projectId) };
  }
}
