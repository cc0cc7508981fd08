import { Module } from '@nestjs/common';
import { WebhookSender } from './webhook-sender.service';

/** Talking to nodes: signed webhooks out (the node API comes in with job dispatch). */
@Module({ providers: [WebhookSender], exports: [WebhookSender] })
export class NodesLibModule {}
