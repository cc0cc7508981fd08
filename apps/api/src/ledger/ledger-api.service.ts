import { Inject, Injectable, Logger } from '@nestjs/common';
import { Client } from '@temporalio/client';
import { JobPaymentsRepository, LedgerEntryEntity, LedgerService, LedgerTransactionEntity, MembersRepository, PostingResult, ProjectsRepository } from '@app/db';
import { AccountKind, movement } from '@app/domain';
import { wakeJobsWaitingForMoney } from '@app/temporal';
import { Problems } from '../common/problem';
import { AccountRefDto, DepositDto, TransferDto, WithdrawalDto } from './ledger.dto';
import { PAYMENT_GATEWAY, PaymentGateway } from './payment-gateway';

/**
 * The admin API's use of the ledger: deposits, withdrawals and transfers between owners' accounts.
 * Idempotency keys share one namespace across these endpoints and share sales: a key used for a
 * deposit and then for a transfer is a 409, not a second movement.
 */
@Injectable()
export class LedgerApiService {
  private readonly logger = new Logger(LedgerApiService.name);

  constructor(
    private readonly ledger: LedgerService,
    private readonly members: MembersRepository,
    private readonly projects: ProjectsRepository,
    @Inject(PAYMENT_GATEWAY) private readonly gateway: PaymentGateway,
    private readonly payments: JobPaymentsRepository,
    @Inject(Client) private readonly temporal: Client,
  ) {}

  /** A transfer into a project's account: the priced jobs waiting on it try their reservation again. */
  private async wakeJobsWaitingOn(accountId: string): Promise<void> {
    await wakeJobsWaitingForMoney(this.temporal, await this.payments.waitingOn(accountId), (m) => this.logger.warn(m));
  }

  private async assertOwner(ref: { kind: AccountKind; ownerId: string }): Promise<void> {
    const exists = ref.kind === 'project' ? await this.projects.exists(ref.ownerId) : await this.members.exists(ref.ownerId);
    if (!exists) {
      throw Problems.notFound(ref.kind === 'project' ? 'project' : 'member', ref.ownerId);
    }
  }

  async deposit(dto: DepositDto, key: string): Promise<PostingResult> {
    await this.assertOwner({ kind: 'member', ownerId: dto.memberId });
    const { reference } = await this.gateway.confirmDeposit({ ...dto, idempotencyKey: key });
    const external = await this.ledger.account('external', null, dto.currency);
    const member = await this.ledger.account('member', dto.memberId, dto.currency);
    return this.ledger.post({ idempotencyKey: key, kind: 'deposit', currency: dto.currency, entries: movement(external.id, member.id, dto.amount), externalReference: reference });
  }

  async withdraw(dto: WithdrawalDto, key: string): Promise<PostingResult> {
    await this.assertOwner({ kind: 'member', ownerId: dto.memberId });
    const external = await this.ledger.account('external', null, dto.currency);
    const member = await this.ledger.account('member', dto.memberId, dto.currency);
    const posted = await this.ledger.post({
      idempotencyKey: key,
      kind: 'withdrawal',
      currency: dto.currency,
      entries: movement(member.id, external.id, dto.amount),
      externalReference: dto.reference ?? null,
    });
    // Also on a replay: the first attempt may have died after the posting, before the payout.
    await this.gateway.payOut({ ...dto, idempotencyKey: key });
    return posted;
  }

  async transfer(dto: TransferDto, key: string): Promise<PostingResult> {
    const same = (a: AccountRefDto, b: AccountRefDto) => a.kind === b.kind && a.ownerId === b.ownerId;
    if (same(dto.from, dto.to)) throw Problems.badRequest('to', 'from and to are the same account');
    await this.assertOwner(dto.from);
    await this.assertOwner(dto.to);
    const from = await this.ledger.account(dto.from.kind, dto.from.ownerId, dto.currency);
    const to = await this.ledger.account(dto.to.kind, dto.to.ownerId, dto.currency);
    const posted = await this.ledger.post({ idempotencyKey: key, kind: 'transfer', currency: dto.currency, entries: movement(from.id, to.id, dto.amount), memo: dto.memo ?? null });
    if (dto.to.kind === 'project') await this.wakeJobsWaitingOn(to.id);
    return posted;
  }

  async transaction(id: string): Promise<{ transaction: LedgerTransactionEntity; entries: LedgerEntryEntity[] }> {
    const found = await this.ledger.findTransaction(id);
    if (!found) throw Problems.notFound('ledger transaction', id);
    return found;
  }
}
