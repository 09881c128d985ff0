/**
 * A policy must judge a card on metrics its task reports: the loader refuses, at the policy's
 * field, a PromotionPolicy or RolloutPolicy that names another task's metric or check for a card
 * it gates, and error metrics where a policy reads "higher is better".
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { Diagnostic } from '../../../core/diagnostics.js';
import { problemsWith } from '../../support/catalog-fixture.js';
import { PROJECT_ROOT } from '../../support/example-repo.js';

const PROMOTION = 'policies/promotion.yaml';
const ROLLOUT = 'policies/rollout.yaml';

async function exampleFile(relative: string): Promise<string> {
  return readFile(path.join(PROJECT_ROOT, relative), 'utf8');
}

/** The 1-based line of the first line of `text` containing `needle` after `from`. */
function lineOf(text: string, needle: string, from = ''): number {
  const lines = text.split('\n');
  const start = from === '' ? 0 : lines.findIndex((line) => line.includes(from));
  const index = lines.findIndex((line, i) => i >= start && line.includes(needle));
  assert.ok(index >= 0, `'${needle}' not found`);
  return index + 1;
}

function taskProblems(problems: readonly Diagnostic[]): { file: string; line: number; path: string; message: string }[] {
  return problems.filter((problem) => problem.rule === 'task-metric').map(({ file, line, path: at, message }) => ({ file, line, path: at, message }));
}

const regressorEnvironment = (extra = '') => `apiVersion: slipway.dev/v1alpha1
kind: Environment
metadata: { name: trust-dev, owner: ml-platform }
spec:
  promotion: { policy: device-trust-to-dev }
  cluster: { server: https://kubernetes.default.svc, namespace: ml-trust-dev }
  argocd: { project: ml-platform }
  deployments:
    - model: device-trust-estimator
      stable: 1.0.0
      replicas: { min: 1, max: 1 }
${extra}`;

describe('policies and the task of the cards they gate', () => {
  it('refuses a regression card deployed where the PromotionPolicy judges auc and f1, at each field naming them', async () => {
    const dev = await exampleFile('environments/dev.yaml');
    const problems = taskProblems(await problemsWith({ 'environments/dev.yaml': `${dev}    - model: device-trust-estimator\n      stable: 1.0.0\n      replicas: { min: 1, max: 1 }\n` }));
    const policies = await exampleFile(PROMOTION);
    const metricsLine = lineOf(policies, '{ metric: auc', 'name: to-dev');
    assert.deepEqual(
      problems.map((problem) => [problem.file, problem.line, problem.path]),
      [
        [PROMOTION, metricsLine, 'spec.metrics[0].metric'],
        [PROMOTION, metricsLine + 1, 'spec.metrics[1].metric'],
        [PROMOTION, lineOf(policies, 'noRegression', 'name: to-dev'), 'spec.noRegression.metrics[0]'],
        [PROMOTION, lineOf(policies, 'noRegression', 'name: to-dev'), 'spec.noRegression.metrics[1]'],
      ],
    );
    assert.match(problems[0].message, /'auc' is a binary-classification metric, but this policy gates regression model 'device-trust-estimator' \(deployed in environment 'dev', environments\/dev\.yaml:\d+\), which is judged on rmse, mae, r2/);
  });

  it('refuses f1-drop in the RolloutPolicy of a regression card, and accepts the same card under its own policies', async () => {
    const problems = taskProblems(await problemsWith({ 'environments/trust-dev.yaml': regressorEnvironment('      rollout: fraud-canary\n') }));
    const rollout = await exampleFile(ROLLOUT);
    assert.deepEqual(problems.map((problem) => [problem.file, problem.line, problem.path]), [[ROLLOUT, lineOf(rollout, 'f1-drop'), 'spec.analysis.checks[2].metric']]);
    assert.match(problems[0].message, /'f1-drop' is a binary-classification check, but this policy rolls out regression model 'device-trust-estimator'.*use error-rate, latency-p99 or score-psi/);
  });

  it('refuses rmse in the policy of a binary classifier', async () => {
    const policies = await exampleFile(PROMOTION);
    const changed = policies.replace('    - { metric: f1, op: ">", value: 0.85 }\n  noRegression', '    - { metric: f1, op: ">", value: 0.85 }\n    - { metric: baseline_rmse, op: "<", value: 1 }\n  noRegression');
    assert.notEqual(changed, policies);
    const problems = taskProblems(await problemsWith({ [PROMOTION]: changed }));
    assert.deepEqual(problems.map((problem) => [problem.line, problem.path]), [[lineOf(changed, 'baseline_rmse'), 'spec.metrics[2].metric']]);
    assert.match(problems[0].message, /'baseline_rmse' is a regression metric, but this policy gates binary-classification model 'fraud-detector'/);
  });

  it('refuses an error metric under noRegression or a slice minimum, where it would pass worse versions, even for a card deployed nowhere', async () => {
    const policies = await exampleFile(PROMOTION);
    const changed = policies
      .replace('noRegression: { metrics: [r2], margin: 0.01 }', 'noRegression: { metrics: [r2, rmse], margin: 0.01 }')
      .replace('{ slice: international, metric: r2, min: 0.05 }', '{ slice: international, metric: mae, min: 0.05 }');
    assert.notEqual(changed, policies);
    const problems = taskProblems(await problemsWith({ [PROMOTION]: changed }));
    assert.deepEqual(problems.map((problem) => [problem.line, problem.path]), [
      [lineOf(changed, 'metrics: [r2, rmse]'), 'spec.noRegression.metrics[1]'],
      [lineOf(changed, 'metric: mae'), 'spec.slices[0].metric'],
    ]);
    assert.match(problems[0].message, /'rmse' is better when lower/);
  });
});
