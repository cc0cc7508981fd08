export * from './html';
export * from './decision-links';
export * from './mailer.service';
export * from './mail-relay.service';
export * from './mail.module';
export * from './templates/decision-mail';
export * from './templates/round-mail';
