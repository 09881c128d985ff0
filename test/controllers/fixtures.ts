/** Shared setup for controller tests: example repositories under Git, results, a test renderer. */
import { inheritableEnvironment } from '../../controllers/git/bot-identity.js';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { simpleGit } from 'simple-git';
import { loadCatalogOrThrow } from '../../core/load/load-catalog.js';
import { TRAINING_RESULT_FORMAT, type TrainingResult } from '../../core/training-result.js';
import { applyEditsToText } from '../../controllers/edits/apply-edits.js';
import type { YamlEdit } from '../../controllers/proposals/proposal.js';
import { copyExampleRepo } from '../support/example-repo.js';

/** A temporary example repository committed on `main`, with a results directory beside it. */
export interface TestRepo {
  readonly root: string;
  readonly results: string;
  readonly workDir: string;
  /** Commits every change in the working tree as a person. */
  commit(message: string, date?: Date): Promise<string>;
  dispose(): Promise<void>;
}

/** Copies the example repository into a fresh Git repository. */
export async function makeRepo(): Promise<TestRepo> {
  const copy = await copyExampleRepo();
  const scratch = await mkdtemp(path.join(tmpdir(), 'slipway-controller-'));
  const results = path.join(scratch, 'results');
  await mkdir(results);
  const git = simpleGit({ baseDir: copy.root, allowEnvironment: ['GIT_AUTHOR_DATE', 'GIT_COMMITTER_DATE'] });
  await git.raw(['init', '--quiet', '--initial-branch=main']);
  await git.addConfig('user.name', 'A Person');
  await git.addConfig('user.email', 'person@example.com');
  await git.addConfig('commit.gpgsign', 'false');
  const commit = async (message: string, date = new Date()) => {
    await git.raw(['add', '--all']);
    const iso = date.toISOString();
    await git.env({ ...personEnvironment(), GIT_AUTHOR_DATE: iso, GIT_COMMITTER_DATE: iso }).raw(['commit', '--quiet', '--allow-empty', '-m', message]);
    return (await git.revparse(['HEAD'])).trim();
  };
  await pinCardMetrics(copy.root);
  await commit('Initial example repository', new Date(Date.now() - 30 * 24 * 3600_000));
  return {
    root: copy.root,
    results,
    workDir: path.join(scratch, 'workspace'),
    commit,
    async dispose() {
      await copy.dispose();
      await rm(scratch, { recursive: true, force: true });
    },
  };
}

/** A deterministic stand-in for the generators: one JSON file per environment, derived from the catalog. */
export async function testRenderDist(root: string): Promise<void> {
  const catalog = await loadCatalogOrThrow(root);
  await rm(path.join(root, 'dist'), { recursive: true, force: true });
  for (const env of catalog.environments.values()) {
    await mkdir(path.join(root, 'dist', env.name), { recursive: true });
    const deployments = env.deployments.map((deployment) => ({ model: deployment.model, stable: deployment.stable, canary: deployment.canary ?? null }));
    await writeFile(path.join(root, 'dist', env.name, 'deployments.json'), `${JSON.stringify(deployments, null, 2)}\n`);
  }
}

/** A training result for fraud-detector that passes (or, with overrides, fails) `to-dev`. */
export function trainingResult(overrides: Partial<TrainingResult> = {}): TrainingResult {
  return {
    format: TRAINING_RESULT_FORMAT,
    model: 'fraud-detector',
    candidateVersion: '2.1.0',
    baseVersion: '2.0.0',
    triggerId: 't1',
    artifact: { uri: 'models/fraud-detector/2.1.0/model.onnx', format: 'onnx', sha256: 'a'.repeat(64) },
    inputs: [
      'transaction-features:amount',
      'transaction-features:transaction_hour',
      'transaction-features:merchant_category',
      'transaction-features:foreign_transaction',
      'user-features:cardholder_age',
      'behavioral-features:velocity_last_24h',
      'behavioral-features:device_trust_score',
      'behavioral-features:location_mismatch',
    ],
    metrics: { auc: 0.965, f1: 0.925, precision: 0.93, recall: 0.92 },
    slices: [{ name: 'international', rows: 1200, metrics: { auc: 0.92 } }],
    referenceProfile: {
      rows: 1000,
      inputs: {
        'transaction-features:amount': { type: 'numeric', edges: [0, 50, 200, 100000], fractions: [0.5, 0.3, 0.2] },
        'transaction-features:merchant_category': { type: 'categorical', frequencies: { Electronics: 0.25, Travel: 0.25, Grocery: 0.25, Other: 0.25 } },
      },
      score: { type: 'numeric', edges: [0, 0.5, 1], fractions: [0.9, 0.1] },
    },
    trainingData: { dataset: 'transactions-2025h1', description: 'Card transactions of 2025 H1.', rows: 12000000, from: '2025-01-01', to: '2025-06-15' },
    holdout: { rows: 100000, from: '2025-06-16', to: '2025-06-30' },
    parameters: { trees: 120, depth: 6, learningRate: 0.1 },
    commit: 'c0ffee0000000000000000000000000000000000',
    startedAt: '2025-07-01T03:00:00Z',
    finishedAt: '2025-07-01T03:40:00Z',
    durationMs: 2_400_000,
    ...overrides,
  };
}

/** Writes a training result into the results directory. */
export async function writeResult(dir: string, name: string, result: TrainingResult): Promise<void> {
  await writeFile(path.join(dir, name), `${JSON.stringify(result, null, 2)}\n`);
}

// simple-git refuses some inherited GIT_* variables when an environment is passed explicitly.
function personEnvironment(): Record<string, string> {
  return inheritableEnvironment();
}

/** The card's figures the tests reason about, pinned so that retraining the example does not move them. */
export const PINNED_METRICS = {
  current: { auc: 0.96, f1: 0.92, precision: 0.93, recall: 0.91 },
  international: { auc: 0.91 },
  previous: { auc: 0.94, f1: 0.89, precision: 0.9, recall: 0.88 },
} as const;

async function pinCardMetrics(root: string): Promise<void> {
  const file = 'catalog/models/fraud-detector.yaml';
  const edit = (path: (string | number)[], value: unknown): YamlEdit => ({ file, kind: 'ModelCard', name: 'fraud-detector', op: 'set', path: ['spec', ...path], value });
  const text = await readFile(path.join(root, file), 'utf8');
  const pinned = applyEditsToText(file, text, [
    edit(['metrics'], PINNED_METRICS.current),
    edit(['slices', 0, 'metrics'], PINNED_METRICS.international),
    edit(['history', 0, 'metrics'], PINNED_METRICS.previous),
  ]);
  await writeFile(path.join(root, file), pinned);
  // Drift windows of a few seconds, so that a test's Prometheus holds every window the rule reads.
  const drift = 'policies/drift.yaml';
  const policy = await readFile(path.join(root, drift), 'utf8');
  await writeFile(path.join(root, drift), applyEditsToText(drift, policy, [{ file: drift, kind: 'DriftPolicy', name: 'fraud-drift', op: 'set', path: ['spec', 'window'], value: DRIFT_WINDOW }]));
}

/** The drift window the test repositories use. */
export const DRIFT_WINDOW = '3s';
