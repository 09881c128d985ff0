/** Rendering refuses what Kubernetes would reject, names the object and field, and writes nothing. */
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import type { Catalog, Environment } from '../../core/catalog.js';
import { CatalogError } from '../../core/diagnostics.js';
import { loadCatalogOrThrow } from '../../core/load/load-catalog.js';
import { render, RenderError } from '../../generators/render.js';
import { CONFIG_MAP_LIMIT_BYTES, validateObject } from '../../generators/validate.js';
import { PROJECT_ROOT } from '../support/example-repo.js';

/** The example catalog with prod's first deployment replaced. */
function withProdDeployment(catalog: Catalog, change: (deployment: Environment['deployments'][number]) => object): Catalog {
  const prod = catalog.environments.get('prod')!;
  const changedProd = { ...prod, deployments: [{ ...prod.deployments[0], ...change(prod.deployments[0]) }] } as Environment;
  return { ...catalog, environments: new Map([...catalog.environments].map(([name, env]) => [name, name === 'prod' ? changedProd : env])) };
}

describe('render refuses invalid objects', () => {
  let catalog: Catalog;
  before(async () => {
    catalog = await loadCatalogOrThrow(PROJECT_ROOT);
  });

  it('reports a resource quantity that does not parse with the object and the field', () => {
    const bad = withProdDeployment(catalog, (deployment) => ({ resources: { ...deployment.resources, requests: { cpu: 'lots', memory: '256Mi' } } }));
    assert.throws(
      () => render(bad),
      (error: unknown) => {
        assert.ok(error instanceof RenderError);
        assert.ok(
          error.problems.some((problem) => problem.object === 'prod/Deployment/fraud-detector' && problem.field === 'spec.template.spec.containers[0].resources.requests.cpu'),
          JSON.stringify(error.problems),
        );
        assert.match(error.message, /nothing was written/);
        return true;
      },
    );
  });

  it('rejects replicas.min above replicas.max, quoting both', () => {
    const bad = withProdDeployment(catalog, () => ({ replicas: { min: 5, max: 3 } }));
    assert.throws(() => render(bad), /'replicas\.min' must be <= 'replicas\.max' \(got 5 > 3\)/);
  });

  it('rejects a training Job name longer than 63 characters before rendering, pointing at the model card', () => {
    const card = catalog.models.get('fraud-detector')!;
    const longTrigger = { ...card, training: { ...card.training, triggerId: 'x'.repeat(50) } };
    const bad = { ...catalog, models: new Map([['fraud-detector', longTrigger]]) } as Catalog;
    assert.throws(
      () => render(bad),
      (error: unknown) => {
        assert.ok(error instanceof CatalogError);
        const [diagnostic] = error.diagnostics;
        assert.equal(diagnostic.file, 'catalog/models/fraud-detector.yaml');
        assert.equal(diagnostic.path, 'spec.training.triggerId');
        assert.match(diagnostic.message, /would be 71 characters; Kubernetes allows 63/);
        return true;
      },
    );
  });

  it('rejects an environment named like the jobs Application of another, pointing at its name', () => {
    const dev = catalog.environments.get('dev')!;
    const clash = { ...dev, name: 'dev-jobs', cluster: { ...dev.cluster, namespace: 'ml-dev-jobs' }, declaredAt: { ...dev.declaredAt, file: 'environments/dev-jobs.yaml' } } as Environment;
    const bad = { ...catalog, environments: new Map([...catalog.environments, ['dev-jobs', clash]]) } as Catalog;
    assert.throws(
      () => render(bad),
      (error: unknown) => {
        assert.ok(error instanceof CatalogError);
        const found = error.diagnostics.find((diagnostic) => diagnostic.rule === 'reserved-name');
        assert.ok(found, JSON.stringify(error.diagnostics));
        assert.equal(found.file, 'environments/dev-jobs.yaml');
        assert.equal(found.path, 'metadata.name');
        assert.match(found.message, /'dev-jobs' would share its Argo CD Application name with the jobs Application of environment 'dev'/);
        return true;
      },
    );
  });

  it('rejects a document label Kubernetes would refuse, pointing at the label', () => {
    const card = catalog.models.get('fraud-detector')!;
    const labelled = { ...card, labels: { team: 'fraud prevention' } };
    const bad = { ...catalog, models: new Map([['fraud-detector', labelled]]) } as Catalog;
    assert.throws(
      () => render(bad),
      (error: unknown) => error instanceof CatalogError && error.diagnostics.some((diagnostic) => diagnostic.path === 'metadata.labels.team' && /may hold only letters/.test(diagnostic.message)),
    );
  });

  it('rejects an unknown environment by name', () => {
    assert.throws(() => render(catalog, { environment: 'qa' }), /environment 'qa' is not in the catalog \(it has dev, staging, prod\)/);
  });
});

describe('validateObject', () => {
  const deployment = (image: unknown) => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'ns' },
    spec: { selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image }] } } },
  });

  it('accepts a valid object', () => {
    assert.deepEqual(validateObject(deployment('r:1.0.0'), 'prod'), []);
  });

  it('names the field a schema rejects', () => {
    assert.deepEqual(validateObject(deployment(42), 'prod'), [{ object: 'prod/Deployment/web', field: 'spec.template.spec.containers[0].image', message: 'must be string' }]);
  });

  it('checks CRDs against their own schemas', () => {
    const rule = { apiVersion: 'monitoring.coreos.com/v1', kind: 'PrometheusRule', metadata: { name: 'r' }, spec: { groups: [{ name: 'g', rules: [{ alert: 'A', expr: 'up', for: 'soon' }] }] } };
    const problems = validateObject(rule, 'dev');
    assert.equal(problems[0].object, 'dev/PrometheusRule/r');
    assert.equal(problems[0].field, 'spec.groups[0].rules[0].for');
    const app = { apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', metadata: { name: 'a' }, spec: {} };
    assert.deepEqual(validateObject(app, 'argocd').map((problem) => problem.field).sort(), ['spec.destination', 'spec.project']);
  });

  it('rejects label values over 63 characters and names over the kind limit', () => {
    const object = deployment('r:1.0.0');
    const long = { ...object, metadata: { name: 'n'.repeat(254), labels: { team: 'v'.repeat(64) } } };
    const fields = validateObject(long, 'prod').map((problem) => `${problem.field}: ${problem.message}`);
    assert.ok(fields.some((line) => /^metadata\.labels\.team: label value is 64 characters/.test(line)), fields.join('\n'));
    assert.ok(fields.some((line) => /^metadata\.name: .* is 254 characters; a Deployment name has at most 253/.test(line)), fields.join('\n'));
    const service = { apiVersion: 'v1', kind: 'Service', metadata: { name: 's'.repeat(64) }, spec: {} };
    assert.match(validateObject(service, 'prod')[0].message, /a Service name has at most 63/);
  });

  it('rejects a ConfigMap over the 1 MiB limit', () => {
    const big = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'b' }, data: { 'bundle.json': 'x'.repeat(CONFIG_MAP_LIMIT_BYTES + 1) } };
    assert.deepEqual(validateObject(big, 'prod').map((problem) => problem.field), ['data']);
  });

  it('refuses a kind it has no schema for instead of letting it through unchecked', () => {
    assert.equal(validateObject({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' } }, 'prod')[0].message, 'no schema known for v1 Secret');
  });
});

describe('a failed render', () => {
  it('leaves the example dist/ exactly as committed (render throws before any write)', async () => {
    const before = await readdir(path.join(PROJECT_ROOT, 'dist', 'prod'));
    const catalog = await loadCatalogOrThrow(PROJECT_ROOT);
    assert.throws(() => render(withProdDeployment(catalog, () => ({ replicas: { min: 2, max: 1 } }))));
    assert.deepEqual(await readdir(path.join(PROJECT_ROOT, 'dist', 'prod')), before);
  });
});
