import { HttpStatus, Injectable } from '@nestjs/common';
import { BadStatementCursorError, counterpartyWords, memberCounterpartyWords, PaidJobReceipt, StatementPage, StatementsRepository } from '@app/db';
import { ProblemException, Problems } from '../common/problem';
import { AccountStatementDto, AccountStatementQuery, statementDto } from './statements.dto';
import { receiptHtml } from './receipt.html';

const DEFAULT_LIMIT = 20;

/**
 * Statements by owner (a member's account, which is also where a node owner is paid; a project's
 * account) and the receipt of each paid job. Every statement is one page of
 * `StatementsRepository.page`, the query the console's statements use too.
 */
@Injectable()
export class StatementsService {
  constructor(private readonly statements: StatementsRepository) {}

  /** A member's own account in one currency (default: their first, else EUR): pledges, transfers, pay for jobs. */
  async member(memberId: string, q: AccountStatementQuery): Promise<AccountStatementDto> {
    return this.of('member', memberId, q, (l) => memberCounterpartyWords(l.other));
  }

  /** A project's account (the payer of its jobs, where its rounds' money arrives). */
  async project(projectId: string, q: AccountStatementQuery): Promise<AccountStatementDto> {
    if (!(await this.statements.projectName(projectId))) throw Problems.notFound('project', projectId);
    return this.of('project', projectId, q, (l) => counterpartyWords(l.other.kind, l.other.name, l.other.scope, l.other.job));
  }

  /**
   * The receipt of a paid job as an HTML page. `payee`: only this member's receipt (the node
   * owner's pages); another member's job is the same 404 as a job that does not exist.
   */
  async receipt(jobId: string, only?: { payeeMemberId: string; nodeId: string }): Promise<string> {
    const r = await this.paid(jobId, only);
    return receiptHtml(r);
  }

  private async paid(jobId: string, only?: { payeeMemberId: string; nodeId: string }): Promise<PaidJobReceipt> {
    const state = await this.statements.jobPaymentState(jobId);
    if (!state || (only && state.nodeId !== only.nodeId)) throw Problems.notFound('job', jobId);
    const r = await this.statements.paidJobReceipt(jobId);
    if (!r) throw new ProblemException(HttpStatus.NOT_FOUND, 'job_not_paid', `job ${jobId} has not been paid${state.payment ? ` (payment: ${state.payment})` : ' (it has no price)'}: there is no receipt`);
    if (only && r.payeeMemberId !== only.payeeMemberId) throw Problems.notFound('job', jobId);
    return r;
  }

  private async of(kind: 'member' | 'project', ownerId: string, q: AccountStatementQuery, words: (l: StatementPage['lines'][number]) => string): Promise<AccountStatementDto> {
    const from = q.from ? new Date(q.from) : null;
    const to = q.to ? new Date(q.to) : null;
    if (from && to && from >= to) throw Problems.badRequest('to', 'to must be after from');
    const currency = q.currency ?? (await this.statements.currenciesOf(kind, ownerId))[0] ?? 'EUR';
    const accountId = await this.statements.accountOf(kind, ownerId, currency);
    const limit = q.limit ?? DEFAULT_LIMIT;
    let page: StatementPage;
    try {
      page = await this.statements.page(accountId, { from, to, cursor: q.cursor ?? null, limit });
    } catch (err) {
      if (err instanceof BadStatementCursorError) throw Problems.badRequest('cursor', 'cursor must be a nextCursor this API gave');
      throw err;
    }
    return statementDto(page, { accountId, currency, from: from?.toISOString() ?? null, to: to?.toISOString() ?? null, limit }, words);
  }
}
