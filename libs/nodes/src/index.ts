export * from './webhook-signature';
export * from './webhook-sender.service';
export * from './nodes.module';
