import { Controller, Get, Res, ServiceUnavailableException } from '@nestjs/common';
import type { Response } from 'express';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { TemporalHealthIndicator } from './temporal.health';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly db: TypeOrmHealthIndicator,
    private readonly temporal: TemporalHealthIndicator,
  ) {}

  @Get()
  @HealthCheck()
  @ApiOperation({ summary: 'PostgreSQL and Temporal, reported separately (503 when either is down)' })
  async check(@Res() res: Response): Promise<void> {
    try {
      res.json(
        await this.health.check([
          () => this.db.pingCheck('postgres', { timeout: 3000 }),
          () => this.temporal.check('temporal'),
        ]),
      );
    } catch (err) {
      // Terminus reports "down" as a 503 exception: answer with its report as is (not a problem document).
      if (!(err instanceof ServiceUnavailableException)) throw err;
      res.status(503).json(err.getResponse());
    }
  }
}
