import type { FlowLegLike, FlowLike, FlowStepLike, HandoffLike, LotTraceLike } from '../flow-types';

/** Flows and traces as the API gives them (libs/contracts/src/flows.ts), built by hand for the tests. */

export const MAKER = { id: '11111111-1111-4111-8111-111111111111', name: 'Maker Workshop' };
export const FINISHER = { id: '22222222-2222-4222-8222-222222222222', name: 'Paint Shop' };
export const ASSEMBLER = { id: '33333333-3333-4333-8333-333333333333', name: 'Fab Lab B' };
export const CARRIER = { id: '44444444-4444-4444-8444-444444444444', name: 'Crate Carrier' };
export const MIA = { id: '55555555-5555-4555-8555-555555555555', name: 'Mia' };

export function step(key: string, over: Partial<FlowStepLike> = {}): FlowStepLike {
  return {
    key,
    capability: `${key}-cap`,
    item: `${key}-item`,
    unit: 'pcs',
    goodQuantity: 10,
    startQuantity: 10,
    status: 'waiting',
    inputs: [],
    nodeId: null,
    nodeName: null,
    jobId: null,
    runs: 0,
    plannedStartAt: '2031-03-01T08:00:00.000Z',
    plannedDoneAt: '2031-03-02T08:00:00.000Z',
    offeredAt: null,
    acceptedAt: null,
    doneAt: null,
    receivedAt: null,
    lateByMs: null,
    ...over,
  };
}

export function leg(over: Partial<FlowLegLike> & Pick<FlowLegLike, 'fromStep' | 'toStep'>): FlowLegLike {
  return {
    id: `leg-${over.fromStep}-${over.toStep ?? 'recipient'}`,
    lotId: 'lot-cut-1',
    flowType: 'crate',
    quantity: 10,
    status: 'searching',
    carrierNodeId: null,
    carrierName: null,
    plannedDoneAt: null,
    offeredAt: null,
    acceptedAt: null,
    doneAt: null,
    receivedAt: null,
    ...over,
  };
}

export function handoff(over: Partial<HandoffLike> & Pick<HandoffLike, 'from' | 'to'>): HandoffLike {
  return {
    id: `h-${over.from.id.slice(0, 4)}-${over.to.id.slice(0, 4)}`,
    flowId: 'flow-1',
    lotId: 'lot-1',
    legId: null,
    quantitySent: 10,
    quantityReceived: null,
    status: 'pending',
    note: null,
    photoUrl: null,
    reason: null,
    createdAt: '2031-03-02T09:00:00.000Z',
    answeredAt: null,
    ...over,
  };
}

export const node = (n: { id: string; name: string }) => ({ type: 'node' as const, id: n.id, name: n.name });
export const member = (n: { id: string; name: string }) => ({ type: 'member' as const, id: n.id, name: n.name });

/**
 * Cut (at the maker) and finish (at the paint shop, same location as the assembler) feed assemble
 * (at the fab lab); the shelves go to Mia. The cut parts travel on a leg, the finished ones are
 * handed over directly.
 */
export function shelfFlow(over: Partial<FlowLike> = {}): FlowLike {
  return {
    id: 'flow-1',
    recipeName: 'Shelf',
    quantity: 5,
    unit: 'pcs',
    dueAt: '2031-03-05T17:00:00.000Z',
    recipient: { type: 'member', id: MIA.id },
    status: 'running',
    deliveredAt: null,
    steps: [
      step('cut', { capability: 'cnc-milling', item: 'shelf-side', status: 'handed-off', nodeId: MAKER.id, nodeName: MAKER.name, runs: 1, doneAt: '2031-03-02T07:00:00.000Z' }),
      step('finish', { capability: 'painting', item: 'painted-board', status: 'handed-off', nodeId: FINISHER.id, nodeName: FINISHER.name, runs: 1, doneAt: '2031-03-02T13:00:00.000Z', lateByMs: 5 * 3_600_000 }),
      step('assemble', {
        capability: 'assembly',
        item: 'shelf',
        goodQuantity: 5,
        startQuantity: 5,
        status: 'accepted',
        nodeId: ASSEMBLER.id,
        nodeName: ASSEMBLER.name,
        runs: 1,
        plannedDoneAt: '2031-03-04T08:00:00.000Z',
        inputs: [
          { step: 'cut', perUnit: 2, unit: 'pcs' },
          { step: 'finish', perUnit: 2, unit: 'pcs' },
        ],
      }),
    ],
    legs: [leg({ fromStep: 'cut', toStep: 'assemble', status: 'picked-up', carrierNodeId: CARRIER.id, carrierName: CARRIER.name })],
    handoffs: [
      handoff({ from: node(MAKER), to: node(CARRIER), legId: 'leg-cut-assemble', status: 'accepted', quantityReceived: 10, answeredAt: '2031-03-02T08:00:00.000Z' }),
      handoff({ from: node(FINISHER), to: node(ASSEMBLER), status: 'pending' }),
    ],
    ...over,
  };
}

/** The shelves Mia holds, traced back through the assembler, the carrier and the maker. */
export function shelfTrace(): LotTraceLike {
  const made = { jobId: 'job-a', run: 1 };
  return {
    lot: {
      id: 'lot-shelf-0001',
      stepKey: 'assemble',
      item: 'shelf',
      unit: 'pcs',
      quantity: 5,
      status: 'delivered',
      madeBy: { nodeId: ASSEMBLER.id, nodeName: ASSEMBLER.name, ...made },
      madeAt: '2031-03-04T07:00:00.000Z',
      reworkOf: null,
      depth: 0,
      handoffs: [
        handoff({ id: 'h-out', lotId: 'lot-shelf-0001', from: node(ASSEMBLER), to: member(MIA), status: 'accepted', quantityReceived: 5, quantitySent: 5, note: 'all five, well made', photoUrl: 'https://photos.example.org/shelves.jpg', answeredAt: '2031-03-04T12:00:00.000Z' }),
      ],
    },
    backward: [
      {
        id: 'lot-side-0001',
        via: 'lot-shelf-0001',
        stepKey: 'cut',
        item: 'shelf-side',
        unit: 'pcs',
        quantity: 10,
        status: 'consumed',
        madeBy: { nodeId: MAKER.id, nodeName: MAKER.name, jobId: 'job-c', run: 1 },
        madeAt: '2031-03-02T07:00:00.000Z',
        reworkOf: null,
        depth: 1,
        handoffs: [
          handoff({ id: 'h-1', lotId: 'lot-side-0001', from: node(MAKER), to: node(CARRIER), legId: 'leg-1', status: 'accepted', quantityReceived: 10, answeredAt: '2031-03-02T08:00:00.000Z' }),
          handoff({ id: 'h-2', lotId: 'lot-side-0001', from: node(CARRIER), to: node(ASSEMBLER), legId: 'leg-1', status: 'accepted', quantityReceived: 9, note: 'one side cracked', createdAt: '2031-03-03T09:00:00.000Z', answeredAt: '2031-03-03T10:00:00.000Z' }),
        ],
      },
      {
        id: 'lot-log-0001',
        via: 'lot-side-0001',
        stepKey: 'saw',
        item: 'log',
        unit: 'pcs',
        quantity: 3,
        status: 'consumed',
        madeBy: { nodeId: MAKER.id, nodeName: MAKER.name, jobId: 'job-s', run: 1 },
        madeAt: '2031-03-01T07:00:00.000Z',
        reworkOf: null,
        depth: 2,
        handoffs: [],
      },
    ],
    forward: [],
  };
}
