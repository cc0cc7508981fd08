import { Global, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import { Client } from '@temporalio/client';
import { AppConfig } from '@app/config';
import { observedClientInterceptor } from './observed-client.interceptor';
import { failFastInterceptor, TemporalAvailability } from './temporal-availability';

/**
 * Provides the Temporal `Client` (injected by its class) and `TemporalAvailability` (what is known
 * about Temporal being reachable; the health check and every client call share it). The connection
 * is lazy: the API starts and serves its read model while Temporal is unreachable, and connects on
 * first use; a call fails fast (`TemporalUnavailableError`) while Temporal is down.
 */
@Injectable()
class TemporalConnectionCloser implements OnApplicationShutdown {
  constructor(private readonly availability: TemporalAvailability) {}
  async onApplicationShutdown(): Promise<void> {
    await this.availability.close();
  }
}

@Global()
@Module({
  providers: [
    {
      provide: TemporalAvailability,
      inject: [AppConfig],
      useFactory: (config: AppConfig) => new TemporalAvailability({ address: config.temporal.address, connectTimeout: '5s' }),
    },
    {
      provide: Client,
      inject: [AppConfig, TemporalAvailability],
      useFactory: (config: AppConfig, availability: TemporalAvailability) =>
        new Client({
          connection: availability.connection,
          namespace: config.temporal.namespace,
          // Outermost first: a call that fails fast is still counted (as unavailable).
          interceptors: { workflow: [observedClientInterceptor, failFastInterceptor(availability)] },
        }),
    },
    TemporalConnectionCloser,
  ],
  exports: [Client, TemporalAvailability],
})
export class TemporalClientModule {}

/**
 * Asks the Temporal frontend for its system info within `timeoutMs`; throws when it cannot answer.
 * (Not `connection.ensureConnected()`: a lazy connection caches its first failure for good.)
 */
export async function pingTemporal(client: Client, timeoutMs = 3000): Promise<void> {
  await client.withDeadline(Date.now() + timeoutMs, () => client.workflowService.getSystemInfo({}));
}
