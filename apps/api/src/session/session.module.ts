import { Module } from '@nestjs/common';
import { ThrottlerModule } from '@nestjs/throttler';
import { MailModule } from '@app/mail';
import { SessionController } from './session.controller';
import { SessionService } from './session.service';

/** Passwordless sign-in and the web app's sessions (cookie + CSRF token). */
@Module({
  imports: [MailModule, ThrottlerModule.forRoot([{ name: 'default', ttl: 60_000, limit: 30 }])],
  controllers: [SessionController],
  providers: [SessionService],
})
export class SessionModule {}
