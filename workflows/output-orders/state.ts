/**
 * A quarter's state (orders in PostgreSQL): the view the query shows, the step under way (named
 * when PostgreSQL refuses its data) and the mail being queued. The orders themselves are rows of
 * `output_orders`, written by the API.
 */
import { setHandler } from '@temporalio/workflow';
import { getOrderCycleQuery, OrderCycleInput, OrderCycleView } from '../../libs/contracts/src/output-orders';

export class CycleState {
  /** The quarter every activity works on. */
  readonly q: { assetId: string; quarter: string };
  readonly view: OrderCycleView;
  /** The step under way, for the coordinator's note when PostgreSQL refuses its data. */
  step: 'window' | 'open' | 'close' | 'plan' | 'dispatch' = 'window';
  /** Mail being queued (one activity per kind); awaited before the next quarter. */
  readonly mailing: Array<Promise<void>> = [];

  constructor(readonly input: OrderCycleInput) {
    this.q = { assetId: input.assetId, quarter: input.quarter };
    this.view = {
      assetId: input.assetId,
      quarter: input.quarter,
      status: 'waiting',
      window: null,
      owners: [],
      orders: [],
      standingOrders: [],
      plan: null,
      ordersIn: 'database',
      ownerCount: 0,
      planId: null,
    };
  }

  registerHandlers(): void {
    setHandler(getOrderCycleQuery, () => this.view);
  }
}
