/** Writes large, valid Slipway repositories for the benchmarks. */
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

const SHA = 'a'.repeat(64);
const HEAD = (kind: string, name: string) => `apiVersion: slipway.dev/v1alpha1\nkind: ${kind}\nmetadata:\n  name: ${name}\n  owner: team-${name.length % 7}\n`;

/** The size of a synthetic repository. */
export interface SyntheticShape {
  readonly featureViews: number;
  readonly models: number;
  /** How many of the models each environment deploys. */
  readonly deployedModels: number;
}

/** Writes a repository of the given shape into a new temporary directory and returns its root. */
export async function writeSyntheticRepo(shape: SyntheticShape): Promise<string> {
  const root = await mkdtemp(path.join(tmpdir(), 'slipway-bench-repo-'));
  for (const folder of ['catalog/features', 'catalog/models', 'environments', 'policies']) await mkdir(path.join(root, folder), { recursive: true });
  await writeFile(path.join(root, 'slipway.yaml'), `${HEAD('Project', 'bench')}spec:\n  repository: { url: https://example.com/bench.git }\n  forge: { type: local }\n  images: { runtime: "r:1.0.0", controller: "c:1.0.0" }\n`);
  await writeFile(path.join(root, 'catalog/features/entity.yaml'), `${HEAD('Entity', 'customer')}spec:\n  joinKey: customer_id\n`);
  for (let v = 0; v < shape.featureViews; v++) {
    await writeFile(path.join(root, `catalog/features/view-${v}.yaml`), featureView(v));
  }
  for (let m = 0; m < shape.models; m++) {
    await writeFile(path.join(root, `catalog/models/model-${m}.yaml`), modelCard(m, shape.featureViews));
  }
  await writeFile(path.join(root, 'policies/policies.yaml'), policies());
  let previous: string | null = null;
  for (const env of ['dev', 'staging', 'prod']) {
    await writeFile(path.join(root, `environments/${env}.yaml`), environment(env, previous, shape.deployedModels));
    previous = env;
  }
  return root;
}

function featureView(v: number): string {
  const features = Array.from({ length: 5 }, (_, f) => `    - { name: f${f}, dtype: float32, default: 0, constraints: { min: 0, max: 1000 } }`).join('\n');
  return `${HEAD('FeatureView', `view-${v}`)}spec:\n  entities: [customer]\n  ttl: 24h\n  online: true\n  source: { path: data/v${v}.csv, format: csv, timestampField: ts }\n  features:\n${features}\n`;
}

function modelCard(m: number, views: number): string {
  const inputs = Array.from({ length: 4 }, (_, i) => `    - view-${(m + i) % views}:f${i}`).join('\n');
  return `${HEAD('ModelCard', `model-${m}`)}spec:
  version: 2.0.0
  task: binary-classification
  modelType: gradient-boosted trees
  purpose: Synthetic model ${m}.
  intendedUse: Benchmarks.
  artifact: { uri: models/model-${m}/2.0.0/model.onnx, format: onnx, sha256: ${SHA} }
  inputs:
${inputs}
  metrics: { auc: 0.95, f1: 0.9 }
  training: { window: 90d, label: y, triggerId: t1 }
  limitations: [none known]
  history:
    - version: 1.0.0
      artifact: { uri: models/model-${m}/1.0.0/model.onnx, format: onnx, sha256: ${SHA} }
      metrics: { auc: 0.94, f1: 0.89 }
`;
}

function policies(): string {
  return `${HEAD('RolloutPolicy', 'canary')}spec:
  steps: [{ weight: 10, minDuration: 1h }, { weight: 100, minDuration: 1h }]
  analysis: { window: 10m, checks: [{ metric: error-rate, max: 5% }] }
---
${HEAD('DriftPolicy', 'drift')}spec:
  numeric: { warn: 0.1, act: 0.2 }
  categorical: { warn: 0.1, act: 0.2 }
  window: 1h
  minSamples: 100
  actions: [retrain]
`;
}

function environment(name: string, promotesFrom: string | null, deployed: number): string {
  const deployments = Array.from({ length: deployed }, (_, m) =>
    name === 'staging'
      ? `    - { model: model-${m}, stable: 1.0.0, canary: { version: 2.0.0, weight: 10 }, rollout: canary, drift: drift, replicas: { min: 2, max: 4 } }`
      : `    - { model: model-${m}, stable: 2.0.0, drift: drift, replicas: { min: 2, max: 4 } }`,
  ).join('\n');
  return `${HEAD('Environment', name)}spec:
${promotesFrom === null ? '' : `  promotesFrom: ${promotesFrom}\n`}  cluster: { server: https://kubernetes.default.svc, namespace: ml-${name} }
  argocd: { project: ml }
  onlineStore: { redis: { url: "redis://redis:6379" } }
  deployments:
${deployments}
`;
}
