import { Module } from '@nestjs/common';
import { PublicController } from './public.controller';
import { PublicPagesService } from './public-pages.service';
import { TransparencyService } from './transparency.service';

/** Transparency endpoints, open to anyone: ownership tables, funding totals, and what the web app's public pages show. */
@Module({ controllers: [PublicController], providers: [TransparencyService, PublicPagesService] })
export class PublicModule {}
