import { Controller, Get, Header, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiCookieAuth, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiParam, ApiProduces, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import type { OwnedNodeRow } from '@app/db';
import { MemberEntity } from '@app/db';
import { AdminGuard } from '../auth/admin.guard';
import { CurrentMember, MemberTokenGuard } from '../auth/member-token.guard';
import { UuidParam } from '../common/params';
import { NodeOwnerGuard, OperatedNode } from '../operator/node-owner.guard';
import { AccountStatementDto, AccountStatementQuery } from './statements.dto';
import { StatementsService } from './statements.service';

/** No script may run in a receipt, whatever a name in it says; its own inline styles may. */
const RECEIPT_CSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
const RECEIPT_DOC = { description: 'The receipt: a whole HTML page, print-friendly', schema: { type: 'string' } };
const NOT_PAID_DOC = { description: 'not_found: no such job (or not yours); job_not_paid: the job has not been paid (no price, not yet confirmed, or released)' };

/** A project's statement and any paid job's receipt, for coordinators (a viewer reads them too). */
@ApiTags('statements')
@ApiBearerAuth('coordinator')
@ApiUnauthorizedResponse({ description: 'Not a coordinator' })
@UseGuards(AdminGuard)
@Controller('admin')
export class AdminStatementsController {
  constructor(private readonly statements: StatementsService) {}

  @Get('projects/:id/statement')
  @ApiOperation({ summary: 'A project’s account statement: each entry in words with the balance after it, opening and closing balance, by period, a page at a time (newest first)' })
  @ApiOkResponse({ type: AccountStatementDto })
  @ApiNotFoundResponse({ description: 'not_found: no such project' })
  projectStatement(@UuidParam() id: string, @Query() q: AccountStatementQuery): Promise<AccountStatementDto> {
    return this.statements.project(id, q);
  }

  @Get('jobs/:id/receipt')
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Content-Security-Policy', RECEIPT_CSP)
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'The receipt of a paid job (HTML): number, date paid, payer, payee, job, quantity made, price, ledger transaction' })
  @ApiProduces('text/html')
  @ApiOkResponse(RECEIPT_DOC)
  @ApiNotFoundResponse(NOT_PAID_DOC)
  receipt(@UuidParam() id: string): Promise<string> {
    return this.statements.receipt(id);
  }
}

/** The member's own statement (their account in one currency; where a node owner's pay arrives). */
@ApiTags('member')
@ApiBearerAuth('member')
@ApiCookieAuth('session')
@ApiUnauthorizedResponse({ description: 'Not signed in, session expired, or no valid member token' })
@UseGuards(MemberTokenGuard)
@Controller('members/me')
export class MemberStatementController {
  constructor(private readonly statements: StatementsService) {}

  @Get('statement')
  @ApiOperation({ summary: 'Your account statement in one currency: each entry in words with its other side and the balance after it, opening and closing balance, by period, a page at a time (newest first)' })
  @ApiOkResponse({ type: AccountStatementDto })
  statement(@CurrentMember() m: MemberEntity, @Query() q: AccountStatementQuery): Promise<AccountStatementDto> {
    return this.statements.member(m.id, q);
  }
}

/** A node's owner: the account the node's paid jobs pay into, and each paid job's receipt. */
@ApiTags('node operator')
@ApiBearerAuth('member')
@ApiCookieAuth('session')
@ApiUnauthorizedResponse({ description: 'Not signed in, session expired, or no valid member token' })
@ApiParam({ name: 'nodeId', type: String, format: 'uuid', description: 'One of your nodes' })
@UseGuards(MemberTokenGuard, NodeOwnerGuard)
@Controller('members/me/nodes/:nodeId')
export class OperatorStatementController {
  constructor(private readonly statements: StatementsService) {}

  @Get('statement')
  @ApiOperation({ summary: 'The statement of your account, where this node’s paid jobs are paid (the same account as /members/me/statement): entries in words, running balance, by period, a page at a time' })
  @ApiOkResponse({ type: AccountStatementDto })
  @ApiNotFoundResponse({ description: 'not_found: not one of your nodes' })
  statement(@CurrentMember() m: MemberEntity, @Query() q: AccountStatementQuery): Promise<AccountStatementDto> {
    return this.statements.member(m.id, q);
  }

  @Get('jobs/:id/receipt')
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Content-Security-Policy', RECEIPT_CSP)
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'The receipt of one of this node’s paid jobs (HTML), paid to you' })
  @ApiProduces('text/html')
  @ApiOkResponse(RECEIPT_DOC)
  @ApiNotFoundResponse(NOT_PAID_DOC)
  receipt(@CurrentMember() m: MemberEntity, @OperatedNode() n: OwnedNodeRow, @UuidParam() id: string): Promise<string> {
    return this.statements.receipt(id, { payeeMemberId: m.id, nodeId: n.node.id });
  }
}
