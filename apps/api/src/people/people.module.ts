import { Module } from '@nestjs/common';
import { MailModule } from '@app/mail';
import { AuditController } from './audit.controller';
import { AuditService } from './audit.service';
import { AuditPruner } from './audit-pruner';
import { AuditTrail } from './audit-trail';
import { CoordinatorSessionController } from './coordinator-session.controller';
import { CoordinatorSessionService } from './coordinator-session.service';
import { CoordinatorsController } from './coordinators.controller';
import { CoordinatorsService } from './coordinators.service';

/** The console's people: coordinator accounts and roles, their sign-in and personal tokens, and the audit trail. */
@Module({
  imports: [MailModule],
  controllers: [CoordinatorSessionController, CoordinatorsController, AuditController],
  providers: [CoordinatorSessionService, CoordinatorsService, AuditService, AuditTrail, AuditPruner],
  exports: [AuditTrail],
})
export class PeopleModule {}
