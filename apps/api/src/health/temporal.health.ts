import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { AppConfig } from '@app/config';
import { TemporalAvailability } from '@app/temporal';

/**
 * Temporal is healthy when its frontend answers a system-info call within 2 seconds. The probe
 * is the one every client call shares (`TemporalAvailability`), so a failed health check also
 * makes the next request fail fast.
 */
@Injectable()
export class TemporalHealthIndicator {
  constructor(
    private readonly availability: TemporalAvailability,
    @Inject(AppConfig) private readonly config: AppConfig,
    private readonly health: HealthIndicatorService,
  ) {}

  async check(key: string): Promise<HealthIndicatorResult> {
    const indicator = this.health.check(key);
    const { address, namespace } = this.config.temporal;
    try {
      await this.availability.check();
      return indicator.up({ address, namespace });
    } catch (err) {
      return indicator.down({ address, namespace, message: err instanceof Error ? err.message : String(err) });
    }
  }
}
