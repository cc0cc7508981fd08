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
