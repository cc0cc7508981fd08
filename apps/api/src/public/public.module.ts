import { Module } from '@nestjs/common';
import { PublicController } from './public.controller';
import { TransparencyService } from './transparency.service';

/** Transparency endpoints, open to anyone: ownership tables and funding totals. */
@Module({ controllers: [PublicController], providers: [TransparencyService] })
export class PublicModule {}
