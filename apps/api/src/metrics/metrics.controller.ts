import { Controller, Get, HttpStatus, Inject, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { AppConfig } from '@app/config';
import { metricsAccess, registry } from '@app/observability';
import { ProblemException } from '../common/problem';

/**
 * Prometheus metrics of this API process (prom-client, text format). Not part of the API's
 * contract, so not in the OpenAPI document. Who may read it: see `metricsAccess`.
 */
@ApiExcludeController()
@Controller('metrics')
export class MetricsController {
  constructor(@Inject(AppConfig) private readonly config: AppConfig) {}

  @Get()
  async metrics(@Req() req: Request, @Res() res: Response): Promise<void> {
    const access = metricsAccess(req, this.config.metrics.token);
    if (access === 'unauthorized') throw new ProblemException(HttpStatus.UNAUTHORIZED, 'unauthorized', 'send the metrics token (METRICS_TOKEN) as a bearer token');
    if (access === 'forbidden') throw new ProblemException(HttpStatus.FORBIDDEN, 'forbidden', 'metrics are served to scrapers inside the network only (or with METRICS_TOKEN)');
    res.setHeader('Content-Type', registry.contentType);
    res.setHeader('Cache-Control', 'no-store');
    res.send(await registry.metrics());
  }
}
