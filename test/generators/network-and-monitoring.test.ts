/** Per-environment monitoring labels and the runtime NetworkPolicy's declared ingress sources and DNS egress. */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { Catalog, Environment } from '../../core/catalog.js';
import { CatalogError } from '../../core/diagnostics.js';
import { loadCatalogOrThrow } from '../../core/load/load-catalog.js';
import { render } from '../../generators/render.js';
import { PROJECT_ROOT } from '../support/example-repo.js';

// Any shape is fine for reading fields in assertions.
type Any = any; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The example catalog with one environment changed. */
function withEnvironment(catalog: Catalog, name: string, change: (env: Environment) => Partial<Environment>): Catalog {
  const environments = new Map([...catalog.environments].map(([key, env]) => [key, key === name ? ({ ...env, ...change(env) } as Environment) : env]));
  return { ...catalog, environments };
}

function objectOf(catalog: Catalog, path: string): Any {
  const found = render(catalog).objects.get(path);
  assert.ok(found, `${path} was not rendered`);
  return found;
}

const PROMETHEUS_PEER = { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } } };

describe('monitoring labels', () => {
  let catalog: Catalog;
  before(async () => {
    catalog = await loadCatalogOrThrow(PROJECT_ROOT);
  });

  it('puts the environment’s Prometheus labels on its ServiceMonitor and PrometheusRule, and nowhere else', () => {
    const rendering = render(catalog);
    for (const [path, object] of rendering.objects) {
      const release = (object.metadata.labels as Record<string, string> | undefined)?.release;
      if (object.kind === 'ServiceMonitor' || object.kind === 'PrometheusRule') assert.equal(release, 'kube-prometheus-stack', path);
      else assert.equal(release, undefined, `${path} must not carry the monitoring labels`);
    }
  });

  it('takes each environment’s own labels, and keeps Slipway’s labels on a clash', () => {
    const changed = withEnvironment(catalog, 'staging', (env) => ({ monitoring: { ...env.monitoring, labels: { prometheus: 'team-b', 'slipway.dev/model': 'other' } } }));
    const monitor = objectOf(changed, 'staging/servicemonitor-fraud-detector.yaml');
    assert.equal(monitor.metadata.labels.prometheus, 'team-b');
    assert.equal(monitor.metadata.labels.release, undefined);
    assert.equal(monitor.metadata.labels['slipway.dev/model'], 'fraud-detector');
    assert.equal(objectOf(changed, 'staging/prometheusrule-fraud-detector.yaml').metadata.labels.prometheus, 'team-b');
    assert.equal(objectOf(changed, 'prod/servicemonitor-fraud-detector.yaml').metadata.labels.release, 'kube-prometheus-stack');
  });

  it('rejects a monitoring label Kubernetes would refuse, naming the environment file and field', () => {
    const bad = withEnvironment(catalog, 'dev', (env) => ({ monitoring: { ...env.monitoring, labels: { release: 'kube prometheus' } } }));
    assert.throws(
      () => render(bad),
      (error: unknown) => {
        assert.ok(error instanceof CatalogError);
        const found = error.diagnostics.find((diagnostic) => diagnostic.path === 'spec.prometheus.labels.release');
        assert.ok(found, JSON.stringify(error.diagnostics));
        assert.equal(found.file, 'environments/dev.yaml');
        return true;
      },
    );
  });
});

describe('the runtime NetworkPolicy', () => {
  let catalog: Catalog;
  before(async () => {
    catalog = await loadCatalogOrThrow(PROJECT_ROOT);
  });
  const policyOf = (source: Catalog, env: string) => objectOf(source, `${env}/networkpolicy-fraud-detector.yaml`).spec;

  it('admits, by default, the Prometheus Operator’s pods in monitoring and the pods of its own namespace only', () => {
    const policy = policyOf(catalog, 'dev');
    assert.deepEqual(policy.ingress, [{ from: [PROMETHEUS_PEER, { podSelector: { matchLabels: {} } }], ports: [{ port: 8080, protocol: 'TCP' }] }]);
  });

  it('admits the callers an environment declares, instead of its own namespace', () => {
    const policy = policyOf(catalog, 'prod');
    assert.deepEqual(policy.ingress[0].from, [
      PROMETHEUS_PEER,
      { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'payments' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'card-authorizer' } } },
    ]);
  });

  it('reads namespaceLabels {} as every namespace, [] as Prometheus only, and a declared scraper instead of the default', () => {
    const everywhere = withEnvironment(catalog, 'prod', () => ({ network: { ingressFrom: [{ namespaceLabels: {} }] } }));
    assert.deepEqual(policyOf(everywhere, 'prod').ingress[0].from, [PROMETHEUS_PEER, { namespaceSelector: { matchLabels: {} } }]);
    const none = withEnvironment(catalog, 'prod', () => ({ network: { ingressFrom: [] } }));
    assert.deepEqual(policyOf(none, 'prod').ingress[0].from, [PROMETHEUS_PEER]);
    const scraper = { namespaceLabels: { team: 'observability' }, podLabels: { 'app.kubernetes.io/name': 'vmagent' } };
    const other = withEnvironment(catalog, 'prod', (env) => ({ monitoring: { ...env.monitoring, scrapedFrom: scraper }, network: { ingressFrom: [] } }));
    assert.deepEqual(policyOf(other, 'prod').ingress[0].from, [{ namespaceSelector: { matchLabels: { team: 'observability' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'vmagent' } } }]);
  });

  it('lets DNS out to kube-dns and to NodeLocal DNSCache on 169.254.20.10, on port 53 over UDP and TCP', () => {
    for (const env of ['dev', 'staging', 'prod']) {
      const [dns] = policyOf(catalog, env).egress;
      assert.deepEqual(dns.to, [{ namespaceSelector: {}, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }, { ipBlock: { cidr: '169.254.20.10/32' } }]);
      assert.deepEqual(dns.ports, [
        { port: 53, protocol: 'UDP' },
        { port: 53, protocol: 'TCP' },
      ]);
    }
  });

  it('rejects a caller selector label Kubernetes would refuse, naming the entry', () => {
    const bad = withEnvironment(catalog, 'prod', () => ({ network: { ingressFrom: [{ namespace: 'payments' }, { podLabels: { app: 'card authorizer' } }] } }));
    assert.throws(
      () => render(bad),
      (error: unknown) => error instanceof CatalogError && error.diagnostics.some((diagnostic) => diagnostic.path === 'spec.network.ingressFrom[1].podLabels.app' && diagnostic.file === 'environments/prod.yaml'),
    );
  });
});
