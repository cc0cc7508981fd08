import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { Client } from '@temporalio/client';
import { AppConfig } from '@app/config';
import { pingTemporal } from '@app/temporal';

/** Temporal is healthy when its frontend answers a system-info call within 3 seconds. */
@Injectable()
export class TemporalHealthIndicator {
  constructor(
    @Inject(Client) private readonly client: Client,
    @Inject(AppConfig) private readonly config: AppConfig,
    private readonly health: HealthIndicatorService,
  ) {}

  async check(key: string): Promise<HealthIndicatorResult> {
    const indicator = this.health.check(key);
    const { address, namespace } = this.config.temporal;
    try {
      await pingTemporal(this.client);
      return indicator.up({ address, namespace });
    } catch (err) {
      return indicator.down({ address, namespace, message: err instanceof Error ? err.message : String(err) });
    }
  }
}
