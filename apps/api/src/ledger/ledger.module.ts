import { Module } from '@nestjs/common';
import { LedgerApiService } from './ledger-api.service';
import { LedgerController } from './ledger.controller';
import { ManualPaymentGateway, PAYMENT_GATEWAY } from './payment-gateway';

/** The money ledger: deposits, withdrawals, transfers, balances. Postings live in libs/db (LedgerService). */
@Module({
  controllers: [LedgerController],
  providers: [LedgerApiService, { provide: PAYMENT_GATEWAY, useClass: ManualPaymentGateway }],
})
export class LedgerModule {}
