import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { registry } from './metrics';

const ROOT = join(__dirname, '..', '..', '..');

describe('the Grafana dashboard (ops/grafana/dashboards/dpn.json)', () => {
  const dashboard = JSON.parse(readFileSync(join(ROOT, 'ops', 'grafana', 'dashboards', 'dpn.json'), 'utf8')) as {
    panels: Array<{ type: string; targets?: Array<{ expr: string }> }>;
  };
  const exprs = dashboard.panels.flatMap((p) => p.targets ?? []).map((t) => t.expr);

  it('charts only metrics this code defines (no name drifts apart)', () => {
    const defined = new Set(registry.getMetricsAsArray().map((m) => m.name));
    const used = [...new Set(exprs.flatMap((e) => e.match(/\bdpn_\w+/g) ?? []))];
    expect(used.length).toBeGreaterThanOrEqual(7);
    expect(used.filter((name) => !defined.has(name.replace(/_(bucket|count|sum)$/, '')))).toEqual([]);
    // And charts every one of them.
    expect([...defined].filter((name) => !used.some((u) => u.startsWith(name)))).toEqual([]);
  });

  it('reads its data from the provisioned Prometheus data source', () => {
    const sources = readFileSync(join(ROOT, 'ops', 'grafana', 'provisioning', 'datasources', 'prometheus.yml'), 'utf8');
    expect(sources).toContain('uid: prometheus');
    expect(JSON.stringify(dashboard)).not.toMatch(/"uid":\s*"(?!prometheus"|dpn-overview")/);
  });
});
