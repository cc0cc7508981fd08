import { Controller, Get, Req, Res, ServiceUnavailableException } from '@nestjs/common';
import type { Request, Response } from 'express';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckResult, HealthCheckService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { AdminTokenGuard } from '../auth/admin-token.guard';
import { TemporalHealthIndicator } from './temporal.health';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly db: TypeOrmHealthIndicator,
    private readonly temporal: TemporalHealthIndicator,
    private readonly admin: AdminTokenGuard,
  ) {}

  @Get()
  @HealthCheck()
  @ApiOperation({
    summary: 'Up or down (503 when PostgreSQL or Temporal is down); with the coordinator token, each one reported separately',
  })
  async check(@Req() req: Request, @Res() res: Response): Promise<void> {
    let status = 200;
    let report: HealthCheckResult;
    try {
      report = await this.health.check([() => this.db.pingCheck('postgres', { timeout: 3000 }), () => this.temporal.check('temporal')]);
    } catch (err) {
      // Terminus reports "down" as a 503 exception carrying its report.
      if (!(err instanceof ServiceUnavailableException)) throw err;
      status = 503;
      report = err.getResponse() as HealthCheckResult;
    }
    // Addresses, versions and error messages help an attacker as much as an operator: only the coordinator sees them.
    res.status(status).json(this.admin.isCoordinator(req.headers.authorization) ? report : { status: status === 200 ? 'up' : 'down' });
  }
}
