import { Module } from '@nestjs/common';
import { ThrottlerModule } from '@nestjs/throttler';
import { AppConfig } from '@app/config';
import { MailModule } from '@app/mail';
import { SessionController } from './session.controller';
import { SessionService } from './session.service';

/** Passwordless sign-in and the web app's sessions (cookie + CSRF token). */
@Module({
  imports: [
    MailModule,
    // Per client address: sign-in links (the mail they cause) and link exchanges (guessing).
    ThrottlerModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => [
        { name: 'signIn', ttl: 60_000, limit: config.signInRequestsPerMinute },
        { name: 'links', ttl: 60_000, limit: config.signInRequestsPerMinute * 3 },
      ],
    }),
  ],
  controllers: [SessionController],
  providers: [SessionService],
})
export class SessionModule {}
