/**
 * The frame of the workflow test files that run flows with the real activities on a real
 * PostgreSQL (flow.spec.ts, phase-flow.spec.ts): the file's own embedded PostgreSQL and one
 * workflow bundle (beforeAll), a time-skipping server per test (jobs abandon their notification
 * children, which keeps the test server's time skipping locked for later sleeps: see job.spec.ts),
 * the network's members and nodes, the worker's config, and the test acting as the nodes through
 * the job's Updates as the node API does. Read the fields inside tests, not at module load.
 */
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { AppConfig } from '@app/config';
import { answerOfferUpdate, completeJobUpdate, flowWorkflowId, getFlowQuery, getJobQuery, jobWorkflowId } from '@app/contracts';
import { dataSourceOptions, MembersRepository, NodesRepository } from '@app/db';
import { WORKFLOWS_ENTRY } from '@app/temporal';
import { eventually } from './eventually';
import { OwnPostgres, startOwnPostgres } from './own-postgres';
import { createTimeSkippingEnv } from './temporal';

export interface FlowNetwork {
  ds: DataSource;
  env: TestWorkflowEnvironment;
  bundle: WorkflowBundleWithSourceMap;
  q<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  member(name: string): Promise<string>;
  /** An active node with these functions; a carrier also declares its flow types and the locations it serves. */
  node(name: string, locationId: string | null, functions: string[], transport?: { flowTypes: string[]; served: string[] }): Promise<string>;
  /** The worker's config, with the task queue of this test. */
  workerConfig(taskQueue: string): AppConfig;
  /** The job of a flow's step once the flow has started it (not one of `not`). */
  jobOf(flowId: string, key: string, not?: string[]): Promise<string>;
  /** Waits for the job's offer and answers it as the node offered it would (`accept`): the node it went to. */
  acceptOffer(jobId: string, expectNodeId?: string): Promise<string>;
  complete(jobId: string, nodeId: string, made: number, scrapped?: number): Promise<void>;
  /** The pending hand-off of a flow to a receiver, once there is one. */
  pendingHandoff(flowId: string, toId: string): Promise<{ id: string; lot_id: string; quantity_sent: number }>;
}

/**
 * The methods of activity class instances, bound, as one flat object for `Worker.create`. An
 * activity that fails is retried without end (MUST_LAND): DEBUG_FLOW=1 prints why.
 */
export function bindActivities(...objects: object[]): Record<string, (...a: unknown[]) => Promise<unknown>> {
  return Object.fromEntries(
    objects.flatMap((o) =>
      Object.getOwnPropertyNames(Object.getPrototypeOf(o))
        .filter((k) => k !== 'constructor')
        .map((k) => {
          const f = (o as Record<string, (...a: unknown[]) => Promise<unknown>>)[k].bind(o);
          return [
            k,
            (...a: unknown[]) =>
              f(...a).catch((err: unknown) => {
                if (process.env.DEBUG_FLOW) console.error(k, err);
                throw err;
              }),
          ];
        }),
    ),
  );
}

export function useFlowNetwork(): FlowNetwork {
  let pg: OwnPostgres | undefined;
  const net = {
    q: <T>(sql: string, params?: unknown[]) => net.ds.query(sql, params) as Promise<T[]>,
    member: async (name: string) => (await new MembersRepository(net.ds).create({ name, email: `${name}-${randomUUID()}@example.org`, status: 'active' })).id,
    async node(name: string, locationId: string | null, functions: string[], transport?: { flowTypes: string[]; served: string[] }) {
      const n = await new NodesRepository(net.ds).create({
        name,
        ownerMemberId: await net.member(`owner-${name}`),
        locationId,
        automationLevel: 'conventional',
        capabilities: functions.map((f) => ({ function: f, capacity: 10, unit: 'parts/week' })),
        webhookUrl: `https://${name}.example/hook`,
        webhookSecret: 'whsec_x',
      });
      if (transport) await net.q(`UPDATE nodes SET flow_types = $2, served_location_ids = $3 WHERE id = $1`, [n.id, JSON.stringify(transport.flowTypes), JSON.stringify(transport.served)]);
      return n.id;
    },
    workerConfig: (taskQueue: string) =>
      ({
        publicUrl: 'http://dpn.test',
        coordinatorEmail: 'coordinator@example.org',
        mailFrom: 'DPN <dpn@example.org>',
        linkSecret: 'x'.repeat(32),
        temporal: { address: '', namespace: 'default', taskQueue },
      }) as unknown as AppConfig,
    jobOf: (flowId: string, key: string, not: string[] = []) =>
      eventually(async () => {
        const id = (await net.env.client.workflow.getHandle(flowWorkflowId(flowId)).query(getFlowQuery)).steps.find((s) => s.key === key)?.jobId;
        return id && !not.includes(id) ? id : undefined;
      }),
    async acceptOffer(jobId: string, expectNodeId?: string) {
      const h = net.env.client.workflow.getHandle(jobWorkflowId(jobId));
      // (Before its activity has started the job, there is no job to ask: the poller retries.)
      const v = await eventually(async () => {
        const job = await h.query(getJobQuery);
        return job.status === 'offered' && job;
      });
      const nodeId = v.offers.at(-1)!.nodeId;
      if (expectNodeId) expect(nodeId).toBe(expectNodeId);
      await h.executeUpdate(answerOfferUpdate, { args: [{ kind: 'accept', nodeId, offerId: v.offers.at(-1)!.offerId }] });
      return nodeId;
    },
    async complete(jobId: string, nodeId: string, made: number, scrapped = 0) {
      await net.env.client.workflow.getHandle(jobWorkflowId(jobId)).executeUpdate(completeJobUpdate, { args: [{ nodeId, made, scrapped }] });
    },
    pendingHandoff: (flowId: string, toId: string) =>
      eventually(
        async () =>
          (await net.q<{ id: string; lot_id: string; quantity_sent: number }>(`SELECT id, lot_id, quantity_sent FROM handoffs WHERE flow_id = $1 AND to_id = $2 AND status = 'pending'`, [flowId, toId]))[0],
      ),
  } as FlowNetwork;

  beforeAll(async () => {
    pg = await startOwnPostgres();
    net.ds = await new DataSource(dataSourceOptions(pg.url)).initialize();
    net.bundle = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_ENTRY, logger: new DefaultLogger('WARN') });
  }, 180_000);
  afterAll(async () => {
    await net.ds?.destroy();
    await pg?.stop();
  });
  beforeEach(async () => {
    net.env = await createTimeSkippingEnv();
  });
  afterEach(async () => {
    await net.env?.teardown();
  });
  return net;
}
