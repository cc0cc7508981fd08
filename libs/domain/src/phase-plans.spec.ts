import fc from 'fast-check';
import { PROJECT_PHASES } from '../../contracts/src/production-project';
import { PhasePlan, PhaseTask, PHASE_TASK_OUTPUTS, TASK_OUTPUTS } from '../../contracts/src/project-phase';
import { checkPhasePlan, phasePosition } from './phase-plans';

const task = (over: Partial<PhaseTask> = {}): PhaseTask => ({
  key: 'concept',
  title: 'Conceptual design',
  capability: 'design',
  quantity: 1,
  unit: 'design',
  specUrl: 'https://example.org/brief',
  dueInDays: 14,
  output: 'design',
  licence: 'CERN-OHL-S-2.0',
  recipient: { type: 'member', id: 'm1' },
  upgrade: null,
  offerTimeoutHours: 24,
  confirmWithinHours: 168,
  ...over,
});
const plan = (over: Partial<PhasePlan> = {}): PhasePlan => ({ phase: 'rnd', summary: 's', tasks: [task()], budget: null, gate: null, nodes: [], ...over });
const codes = (p: PhasePlan) => checkPhasePlan(p).map((x) => x.code);

describe('checkPhasePlan', () => {
  it('accepts a sound rnd plan', () => {
    expect(checkPhasePlan(plan())).toEqual([]);
  });

  it('names each problem with its field', () => {
    const p = plan({
      tasks: [task(), task({ output: 'goods', licence: 'MIT' }), task({ key: 'x', output: 'upgrade', licence: null })],
      nodes: ['n1', 'n1'],
      budget: { goal: '100', currency: 'EUR', minPledge: '200', openForHours: 24, closeWhenGoalMet: true, payoutApproval: 'coordinator', assetId: null, documents: [] },
    });
    expect(checkPhasePlan(p)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ field: 'tasks[1].key', code: 'duplicate_task_key' }),
        expect.objectContaining({ field: 'tasks[1].licence', code: 'licence_not_applicable' }),
        expect.objectContaining({ field: 'tasks[2].output', code: 'output_not_in_phase' }),
        expect.objectContaining({ field: 'tasks[2].upgrade', code: 'upgrade_required' }),
        expect.objectContaining({ field: 'nodes', code: 'nodes_not_in_phase' }),
        expect.objectContaining({ field: 'nodes', code: 'duplicate_node' }),
        expect.objectContaining({ field: 'budget.minPledge', code: 'min_above_goal' }),
      ]),
    );
  });

  it('wants a licence on documents, and an upgrade delivered to the node it raises', () => {
    expect(codes(plan({ tasks: [task({ licence: null })] }))).toEqual(['licence_required']);
    const upgrade = { nodeId: 'n1', toLevel: 'automated' as const, capacities: [] };
    expect(codes(plan({ phase: 'upgrade', tasks: [task({ output: 'upgrade', licence: null, upgrade, recipient: { type: 'member', id: 'm1' } })] }))).toEqual(['upgrade_recipient']);
    expect(codes(plan({ phase: 'upgrade', tasks: [task({ output: 'upgrade', licence: null, upgrade, recipient: { type: 'node', id: 'n1' } })] }))).toEqual([]);
    expect(codes(plan({ phase: 'upgrade', tasks: [task({ output: 'upgrade', licence: null, upgrade: { ...upgrade, toLevel: 'manual' }, recipient: { type: 'node', id: 'n1' } })] }))).toEqual(['not_an_upgrade']);
  });

  it('refuses an empty plan: skipping the phase is the honest way to say there is nothing to do', () => {
    expect(codes(plan({ tasks: [] }))).toEqual(['empty_plan']);
    expect(codes(plan({ phase: 'node-buildout', tasks: [], nodes: ['n1'] }))).toEqual([]);
  });

  it('lets a task output through exactly when its phase delivers that kind (property)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...PROJECT_PHASES), fc.constantFrom(...TASK_OUTPUTS), (phase, output) => {
        const docs = output === 'design' || output === 'test-report';
        const t = task({ output, licence: docs ? 'CC-BY-4.0' : null, ...(output === 'upgrade' ? { upgrade: { nodeId: 'n', toLevel: 'automated', capacities: [] }, recipient: { type: 'node', id: 'n' } } : {}) });
        const wrongPhase = codes(plan({ phase, tasks: [t] })).includes('output_not_in_phase');
        expect(wrongPhase).toBe(!PHASE_TASK_OUTPUTS[phase].includes(output));
      }),
    );
  });
});

describe('phasePosition', () => {
  it('orders phases against the current one', () => {
    expect(phasePosition('rnd', 'prototyping')).toBe('past');
    expect(phasePosition('prototyping', 'prototyping')).toBe('current');
    expect(phasePosition('upgrade', 'prototyping')).toBe('future');
    expect(phasePosition('upgrade', 'completed')).toBe('past');
  });
});
