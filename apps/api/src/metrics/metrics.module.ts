import { Module } from '@nestjs/common';
import { MetricsController } from './metrics.controller';

/** `GET /metrics` for Prometheus (the metrics themselves are recorded where things happen). */
@Module({ controllers: [MetricsController] })
export class MetricsModule {}
