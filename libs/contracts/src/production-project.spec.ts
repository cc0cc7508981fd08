import fc from 'fast-check';
import { ALL_PROJECT_PHASES, isProjectPhase, isWorkingPhase, nextPhase, PROJECT_PHASES, projectWorkflowId, ProjectPhase } from './production-project';

describe('project phases', () => {
  it('go rnd → prototyping → node-buildout → upgrade → completed, and stop there', () => {
    const walk: ProjectPhase[] = ['rnd'];
    for (let p = nextPhase('rnd'); p; p = nextPhase(p)) walk.push(p);
    expect(walk).toEqual(['rnd', 'prototyping', 'node-buildout', 'upgrade', 'completed']);
    expect(nextPhase('completed')).toBeUndefined();
  });

  it('never skip or repeat a phase, from any starting point (property)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...ALL_PROJECT_PHASES), (start) => {
        const seen = [start];
        for (let p = nextPhase(start); p; p = nextPhase(p)) seen.push(p);
        const idx = seen.map((p) => ALL_PROJECT_PHASES.indexOf(p));
        expect(idx).toEqual(idx.map((_, i) => idx[0] + i)); // consecutive, strictly increasing
        expect(seen.at(-1)).toBe('completed');
        expect(seen).toHaveLength(ALL_PROJECT_PHASES.length - ALL_PROJECT_PHASES.indexOf(start));
      }),
    );
  });

  it('recognise only known phase names', () => {
    fc.assert(fc.property(fc.string(), (s) => expect(isProjectPhase(s)).toBe((ALL_PROJECT_PHASES as readonly string[]).includes(s))));
    expect(PROJECT_PHASES.every(isProjectPhase)).toBe(true);
    expect(isProjectPhase(undefined)).toBe(false);
    fc.assert(fc.property(fc.string(), (s) => expect(isWorkingPhase(s)).toBe((PROJECT_PHASES as readonly string[]).includes(s))));
    expect(isWorkingPhase('completed')).toBe(false);
  });

  it('derive the workflow id from the project id, so one project runs one process', () => {
    expect(projectWorkflowId('6f1c')).toBe('project-6f1c');
  });
});
