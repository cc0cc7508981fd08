import { Global, Inject, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import { Client, Connection } from '@temporalio/client';
import { AppConfig } from '@app/config';

/**
 * Provides the Temporal `Client` (injected by its class). The connection is lazy: the API starts
 * and serves its read model while Temporal is unreachable, and connects on first use.
 */
@Injectable()
class TemporalConnectionCloser implements OnApplicationShutdown {
  constructor(@Inject(Client) private readonly client: Client) {}
  async onApplicationShutdown(): Promise<void> {
    await this.client.connection.close();
  }
}

@Global()
@Module({
  providers: [
    {
      provide: Client,
      inject: [AppConfig],
      useFactory: (config: AppConfig) =>
        new Client({
          connection: Connection.lazy({ address: config.temporal.address, connectTimeout: '5s' }),
          namespace: config.temporal.namespace,
        }),
    },
    TemporalConnectionCloser,
  ],
  exports: [Client],
})
export class TemporalClientModule {}

/**
 * Asks the Temporal frontend for its system info within `timeoutMs`; throws when it cannot answer.
 * (Not `connection.ensureConnected()`: a lazy connection caches its first failure for good.)
 */
export async function pingTemporal(client: Client, timeoutMs = 3000): Promise<void> {
  await client.withDeadline(Date.now() + timeoutMs, () => client.workflowService.getSystemInfo({}));
}
