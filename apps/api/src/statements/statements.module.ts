import { Module } from '@nestjs/common';
import { NodeOperatorRepository } from '@app/db';
import { MemberTokenGuard } from '../auth/member-token.guard';
import { NodeOwnerGuard } from '../operator/node-owner.guard';
import { AdminStatementsController, MemberStatementController, OperatorStatementController } from './statements.controller';
import { StatementsService } from './statements.service';

/** Statements by owner (member, node owner, project) and the receipts of paid jobs. */
@Module({
  controllers: [AdminStatementsController, MemberStatementController, OperatorStatementController],
  providers: [StatementsService, NodeOperatorRepository, MemberTokenGuard, NodeOwnerGuard],
})
export class StatementsModule {}
