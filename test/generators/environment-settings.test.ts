/**
 * Environment settings the example leaves at their defaults still reach the objects they name:
 * Argo CD's sync policy and namespace, the cluster, a Redis Cluster with a password, an S3
 * artifact store with credentials, a toleration's seconds (issue 13: no field without an effect).
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseBundle } from '../../core/bundle.js';
import { loadCatalogOrThrow } from '../../core/load/load-catalog.js';
import { REDIS_PASSWORD_ENV } from '../../core/redis-credentials.js';
import { render, type Rendering } from '../../generators/render.js';
import { copyExampleRepo } from '../support/example-repo.js';

type Any = any; // eslint-disable-line @typescript-eslint/no-explicit-any

const SETTINGS = `  cluster:
    server: https://dev.k8s.example:6443
    namespace: ml-dev
  argocd:
    namespace: gitops
    project: ml-dev
    selfHeal: false
    prune: false
  onlineStore:
    redis:
      nodes: ["redis-0.ml-dev:7000", "redis-1.ml-dev:7001"]
      passwordSecret: { name: redis-auth, key: password }
    timeout: 5ms
  artifacts:
    url: s3://dev-artifacts/models
    endpoint: http://minio.ml-dev:9000
    credentialsSecret: dev-store
  pods:
    tolerations:
      - { key: spot, operator: Exists, effect: NoExecute, tolerationSeconds: 30 }
`;

const SCRAPER = '    scrapedFrom: { namespace: observability, podLabels: { app.kubernetes.io/name: vmagent } }\n';
const DEPLOYMENT_RESOURCES = `      targetCpuUtilization: 55
      resources:
        requests: { cpu: 250m, memory: 128Mi }
        limits: { cpu: "1", memory: 256Mi }
`;

// Environments that declare no store of their own inherit the project's.
const PROJECT_ARTIFACTS = `  artifacts:
    url: s3://shared-artifacts/fraud
    endpoint: http://minio.shared:9000
    credentialsSecret: shared-store
`;

describe('an environment with every store, sync and cluster setting declared', () => {
  let repo: { root: string; dispose: () => Promise<void> };
  let rendering: Rendering;
  const object = (file: string): Any => {
    const found = rendering.objects.get(file);
    assert.ok(found, `${file} was not rendered`);
    return found;
  };

  before(async () => {
    repo = await copyExampleRepo();
    const dev = path.join(repo.root, 'environments/dev.yaml');
    const text = await readFile(dev, 'utf8');
    const replaced = text.replace(/ {2}cluster:\n[\s\S]*? {4}timeout: 5ms\n/, SETTINGS);
    const declared = replaced
      .replace('    labels: { release: kube-prometheus-stack }\n', `    labels: { release: kube-prometheus-stack }\n${SCRAPER}`)
      .replace('      replicas: { min: 1, max: 2 }\n', `      replicas: { min: 1, max: 2 }\n${DEPLOYMENT_RESOURCES}`);
    assert.ok(replaced !== text && declared.includes(SCRAPER) && declared.includes(DEPLOYMENT_RESOURCES), 'the example dev environment changed shape; update this test');
    await writeFile(dev, declared);
    const project = path.join(repo.root, 'slipway.yaml');
    await writeFile(project, `${await readFile(project, 'utf8')}${PROJECT_ARTIFACTS}`);
    const staging = path.join(repo.root, 'environments/staging.yaml');
    await writeFile(staging, (await readFile(staging, 'utf8')).replace('    project: ml-platform\n', '    project: ml-platform\n    autoSync: false\n'));
    rendering = render(await loadCatalogOrThrow(repo.root));
  });
  after(() => repo.dispose());

  it('syncs with the declared prune and selfHeal, and not automatically where autoSync is false', () => {
    const dev = object('argocd/application-slipway-dev.yaml');
    assert.deepEqual(dev.spec.syncPolicy.automated, { prune: false, selfHeal: false });
    assert.equal(object('argocd/application-slipway-staging.yaml').spec.syncPolicy.automated, undefined);
    assert.deepEqual(object('argocd/application-slipway-prod.yaml').spec.syncPolicy.automated, { prune: true, selfHeal: true });
  });

  it("puts the environment's Applications in its Argo CD namespace and points them at its cluster", () => {
    const dev = object('argocd/application-slipway-dev.yaml');
    assert.equal(dev.metadata.namespace, 'gitops');
    assert.equal(dev.spec.destination.server, 'https://dev.k8s.example:6443');
    assert.equal(object('argocd/application-slipway-dev-jobs.yaml').metadata.namespace, 'gitops');
    assert.equal(object('argocd/role-slipway-controller-dev.yaml').metadata.namespace, 'gitops');
    assert.equal(object('argocd/appproject-ml-dev.yaml').metadata.namespace, 'gitops');
    assert.equal(dev.spec.project, 'ml-dev');
    assert.equal(object('argocd/application-slipway-prod.yaml').metadata.namespace, 'argocd');
  });

  it('lets the runtime reach every Redis Cluster node and gives it the password from the Secret', () => {
    const egress = object('dev/networkpolicy-fraud-detector.yaml').spec.egress.flatMap((rule: Any) => rule.ports.map((port: Any) => port.port));
    assert.ok(egress.includes(7000) && egress.includes(7001), JSON.stringify(egress));
    const container = object('dev/deployment-fraud-detector.yaml').spec.template.spec.containers[0];
    assert.deepEqual(
      container.env.find((variable: Any) => variable.name === REDIS_PASSWORD_ENV),
      { name: REDIS_PASSWORD_ENV, valueFrom: { secretKeyRef: { name: 'redis-auth', key: 'password' } } },
    );
    const bundle = parseBundle(JSON.parse(object('dev/configmap-fraud-detector-bundle.yaml').data['bundle.json']), 'dev');
    assert.deepEqual(bundle.onlineStore?.redis.nodes, ['redis-0.ml-dev:7000', 'redis-1.ml-dev:7001']);
  });

  it("fetches artifacts from the environment's store, with its credentials Secret as environment variables", () => {
    const bundle = parseBundle(JSON.parse(object('dev/configmap-fraud-detector-bundle.yaml').data['bundle.json']), 'dev');
    assert.deepEqual(bundle.artifactStore, { url: 's3://dev-artifacts/models', endpoint: 'http://minio.ml-dev:9000' });
    const runtime = object('dev/deployment-fraud-detector.yaml').spec.template.spec.containers[0];
    assert.deepEqual(runtime.envFrom, [{ secretRef: { name: 'dev-store' } }]);
    const controller = object('dev/deployment-slipway-controller.yaml').spec.template.spec.containers[0];
    assert.ok(controller.envFrom.some((source: Any) => source.secretRef?.name === 'dev-store'), JSON.stringify(controller.envFrom));
  });

  it("gives environments without a store of their own the project's store and credentials", () => {
    const bundle = parseBundle(JSON.parse(object('staging/configmap-fraud-detector-bundle.yaml').data['bundle.json']), 'staging');
    assert.deepEqual(bundle.artifactStore, { url: 's3://shared-artifacts/fraud', endpoint: 'http://minio.shared:9000' });
    const runtime = object('staging/deployment-fraud-detector.yaml').spec.template.spec.containers[0];
    assert.deepEqual(runtime.envFrom, [{ secretRef: { name: 'shared-store' } }]);
  });

  it('admits the declared scraper by its namespace name, and sizes and scales the deployment as declared', () => {
    const from = object('dev/networkpolicy-fraud-detector.yaml').spec.ingress[0].from;
    assert.deepEqual(from[0], { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'observability' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'vmagent' } } });
    const runtime = object('dev/deployment-fraud-detector.yaml').spec.template.spec.containers[0];
    assert.deepEqual(runtime.resources, { requests: { cpu: '250m', memory: '128Mi' }, limits: { cpu: '1', memory: '256Mi' } });
    assert.equal(object('dev/horizontalpodautoscaler-fraud-detector.yaml').spec.metrics[0].resource.target.averageUtilization, 55);
  });

  it('tolerates a taint for the declared seconds', () => {
    const spec = object('dev/deployment-fraud-detector.yaml').spec.template.spec;
    assert.deepEqual(spec.tolerations, [{ key: 'spot', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 30 }]);
  });
});
