import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { NativeConnection, Worker } from '@temporalio/worker';
import { AppConfig } from '@app/config';
import { WORKFLOW_INTERCEPTORS, WORKFLOWS_ENTRY } from '@app/temporal';
import { ACTIVITY_CLASSES } from './activities';
import { ACTIVITY_INTERCEPTORS } from './data-rejected.interceptor';
import { requestIdActivityInterceptor } from './request-id.interceptor';

/** Binds the public methods of each activity provider into one flat object; names must be unique. */
export function bindActivities(instances: object[]): Record<string, (...args: unknown[]) => Promise<unknown>> {
  const activities: Record<string, (...args: unknown[]) => Promise<unknown>> = {};
  for (const instance of instances) {
    const proto = Object.getPrototypeOf(instance) as Record<string, unknown>;
    for (const name of Object.getOwnPropertyNames(proto)) {
      const fn = proto[name];
      if (name === 'constructor' || typeof fn !== 'function') continue;
      if (activities[name]) {
        throw new Error(`activity name '${name}' is defined twice (${proto.constructor.name}); activity names must be unique`);
      }
      activities[name] = (fn as (...args: unknown[]) => Promise<unknown>).bind(instance);
    }
  }
  return activities;
}

/**
 * Runs the Temporal worker inside the Nest application context: created on bootstrap, shut down
 * gracefully (in-flight activities finish) when the application closes.
 */
@Injectable()
export class TemporalWorkerService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(TemporalWorkerService.name);
  private worker?: Worker;
  private connection?: NativeConnection;
  private running?: Promise<void>;

  constructor(
    @Inject(AppConfig) private readonly config: AppConfig,
    private readonly moduleRef: ModuleRef,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const { address, namespace, taskQueue } = this.config.temporal;
    this.connection = await NativeConnection.connect({ address });
    const activities = bindActivities(ACTIVITY_CLASSES.map((cls) => this.moduleRef.get(cls, { strict: false })));
    const bundle = this.config.workflowBundlePath;
    this.worker = await Worker.create({
      connection: this.connection,
      namespace,
      taskQueue,
      activities,
      ...(bundle ? { workflowBundle: { codePath: bundle } } : { workflowsPath: WORKFLOWS_ENTRY }),
      interceptors: {
        // Request ids into activity log lines; an activity PostgreSQL refuses because of its data
        // fails for good (DataRejected), never retried forever.
        activity: [requestIdActivityInterceptor, ...ACTIVITY_INTERCEPTORS],
        // Request ids into workflow log lines and on to activities and children; a prebuilt
        // bundle has them in it already (scripts/bundle-workflows.ts).
        workflowModules: bundle ? [] : [WORKFLOW_INTERCEPTORS],
      },
      // Graceful shutdown: let running activities finish for up to 30 s.
      shutdownGraceTime: '30s',
    });
    this.running = this.worker.run().catch((err: unknown) => {
      this.logger.error(`worker stopped with an error: ${err instanceof Error ? err.message : String(err)}`);
      // A worker that cannot poll is useless: let the supervisor restart the process.
      process.exitCode = 1;
      process.kill(process.pid, 'SIGTERM');
    });
    this.logger.log({ message: `polling task queue '${taskQueue}' on ${address} (namespace '${namespace}')`, activities: Object.keys(activities).length });
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.worker && this.worker.getState() === 'RUNNING') {
      this.worker.shutdown();
    }
    await this.running;
    const connection = this.connection;
    this.connection = undefined;
    await connection?.close();
  }
}
