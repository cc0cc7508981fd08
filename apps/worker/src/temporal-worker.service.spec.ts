import { ACTIVITY_CLASSES } from './activities';
import { bindActivities } from './temporal-worker.service';

class A {
  constructor(private readonly n: number) {}
  async one() {
    return this.n;
  }
}
class B {
  async two() {
    return 2;
  }
}
class Clash {
  async one() {
    return -1;
  }
}

describe('bindActivities', () => {
  it('binds public methods of each provider, keeping their instance', async () => {
    const acts = bindActivities([new A(7), new B()]);
    expect(Object.keys(acts).sort()).toEqual(['one', 'two']);
    await expect(acts.one()).resolves.toBe(7);
  });

  it('fails on an activity name defined twice', () => {
    expect(() => bindActivities([new A(1), new Clash()])).toThrow("activity name 'one' is defined twice (Clash)");
  });

  it('binds every activity class the worker registers without a clash (private helpers are on the prototype too)', () => {
    // Instances without their dependencies: binding reads only the prototypes.
    const instances = ACTIVITY_CLASSES.map((cls) => Object.create(cls.prototype) as object);
    expect(() => bindActivities(instances)).not.toThrow();
  });
});
