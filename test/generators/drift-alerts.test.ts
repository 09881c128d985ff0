/**
 * The rendered drift alerts follow the DriftPolicy exactly, run by `promtool test rules` over the
 * runtime's counters: the statistic it names (KS here), its act level in `consecutiveWindows`
 * windows, `minSamples` over the fleet, and `minFeatures` inputs before an input acts.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { stringify } from 'yaml';
import type { ModelCard, ReferenceProfile } from '../../core/catalog.js';
import { alertGroups } from '../../generators/prometheus-rule.js';
import { catalogWithDriftPolicy } from '../support/drift-catalog.js';
import { requireBinary } from '../support/processes.js';

const AMOUNT = 'transaction-features:amount';
const DEVICE = 'behavioral-features:device_trust_score';
const MERCHANT = 'transaction-features:merchant_category';

/** Two numeric inputs of two even bins and one category: few series, every statistic easy to read. */
const PROFILE: ReferenceProfile = {
  rows: 1000,
  inputs: {
    [AMOUNT]: { type: 'numeric', edges: [0, 50, 100], fractions: [0.5, 0.5] },
    [DEVICE]: { type: 'numeric', edges: [0, 0.5, 1], fractions: [0.5, 0.5] },
    [MERCHANT]: { type: 'categorical', frequencies: { Grocery: 1 } },
  },
};

/** The drift group of prod, for a policy of 10 min windows, 2 windows, 2 inputs, 100 samples, KS act 0.2. */
async function driftRules(): Promise<unknown> {
  const catalog = await catalogWithDriftPolicy({
    numeric: { statistic: 'ks', warn: 0.1, act: 0.2 },
    categorical: { statistic: 'chi-squared', warn: 0.1, act: 0.2 },
    windowMs: 600_000,
    consecutiveWindows: 2,
    minFeatures: 2,
    minSamples: 100,
  });
  const env = catalog.environments.get('prod')!;
  const deployment = env.deployments[0];
  const card = catalog.models.get(deployment.model)!;
  const stable = card.versions.get(deployment.stable)!;
  const versions = new Map(card.versions);
  versions.set(deployment.stable, { ...stable, referenceProfile: PROFILE });
  const groups = alertGroups({ environment: env, deployment, card: { ...card, versions } as ModelCard, drift: catalog.driftPolicies.get(deployment.drift!)! });
  return { groups: groups.filter((group) => group.name.endsWith('-drift')) };
}

/** One pod's counters, per minute: `perMinute` per bin of an input. */
function traffic(bins: Readonly<Record<string, readonly number[]>>, samplesPerMinute: number): { series: string; values: string }[] {
  const labels = 'namespace="ml-prod", model="fraud-detector", version="1.4.0", boot="b1"';
  const binLabels: Record<string, readonly string[]> = { [AMOUNT]: ['0', '1'], [DEVICE]: ['0', '1'], [MERCHANT]: ['0', 'other'] };
  const series = [{ series: `slipway_drift_samples_total{${labels}}`, values: `0+${samplesPerMinute}x40` }];
  for (const [feature, perMinute] of Object.entries(bins)) {
    perMinute.forEach((count, index) => series.push({ series: `slipway_drift_observations_total{${labels}, feature="${feature}", bin="${binLabels[feature][index]}"}`, values: `0+${count}x40` }));
  }
  return series;
}

function acting(feature: string): unknown {
  return {
    exp_labels: {
      namespace: 'ml-prod', model: 'fraud-detector', version: '1.4.0', feature, statistic: 'ks', input_type: 'numeric',
      severity: 'critical', slipway_drift_level: 'act', slipway_environment: 'prod', slipway_input_type: 'numeric', slipway_policy: 'fraud-drift',
    },
    exp_annotations: {
      summary: 'Input ' + feature + ' of fraud-detector 1.4.0 drifted (numeric KS > 0.2 in 2 windows, with at least 2 inputs)',
      description: 'KS 0.500 over the last 10m',
    },
  };
}

async function promtoolTest(tests: unknown[]): Promise<void> {
  requireBinary('promtool', 'prometheus');
  const dir = await mkdtemp(path.join(tmpdir(), 'slipway-drift-alerts-'));
  try {
    await writeFile(path.join(dir, 'rules.yaml'), stringify(await driftRules()));
    await writeFile(path.join(dir, 'tests.yaml'), stringify({ rule_files: ['rules.yaml'], evaluation_interval: '1m', tests }));
    const run = spawnSync('promtool', ['test', 'rules', 'tests.yaml'], { cwd: dir, encoding: 'utf8' });
    assert.equal(run.status, 0, `promtool test rules failed:\n${run.stdout}${run.stderr}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const DRIFTED = [0, 100];
const STEADY = [50, 50];
const GROCERY = [100, 0];

describe('drift alerts under promtool', () => {
  it('act per input once two inputs are above the KS act level in two consecutive windows', () =>
    promtoolTest([
      {
        interval: '1m',
        input_series: traffic({ [AMOUNT]: DRIFTED, [DEVICE]: DRIFTED, [MERCHANT]: GROCERY }, 100),
        alert_rule_test: [
          { eval_time: '25m', alertname: 'SlipwayFeatureDriftAction', exp_alerts: [acting(AMOUNT), acting(DEVICE)] },
          // One window of history only: the previous window holds nothing yet.
          { eval_time: '8m', alertname: 'SlipwayFeatureDriftAction', exp_alerts: [] },
        ],
      },
    ]));

  it('do not act on one drifting input when the policy asks for two (minFeatures), but warn', () =>
    promtoolTest([
      {
        interval: '1m',
        input_series: traffic({ [AMOUNT]: DRIFTED, [DEVICE]: STEADY, [MERCHANT]: GROCERY }, 100),
        alert_rule_test: [
          { eval_time: '25m', alertname: 'SlipwayFeatureDriftAction', exp_alerts: [] },
          {
            eval_time: '25m',
            alertname: 'SlipwayFeatureDriftWarning',
            exp_alerts: [
              {
                exp_labels: {
                  namespace: 'ml-prod', model: 'fraud-detector', version: '1.4.0', feature: AMOUNT, statistic: 'ks', input_type: 'numeric',
                  severity: 'warning', slipway_drift_level: 'warn', slipway_environment: 'prod', slipway_input_type: 'numeric', slipway_policy: 'fraud-drift',
                },
                exp_annotations: { summary: `Input ${AMOUNT} of fraud-detector 1.4.0 drifted (numeric KS > 0.1)`, description: 'KS 0.500 over the last 10m' },
              },
            ],
          },
        ],
      },
    ]));

  it('neither act nor warn while the fleet\'s windows hold fewer than minSamples predictions', () =>
    promtoolTest([
      {
        interval: '1m',
        // 9 predictions a minute: 90 per 10 min window, below the policy's 100.
        input_series: traffic({ [AMOUNT]: [0, 9], [DEVICE]: [0, 9], [MERCHANT]: [9, 0] }, 9),
        alert_rule_test: [
          { eval_time: '25m', alertname: 'SlipwayFeatureDriftAction', exp_alerts: [] },
          { eval_time: '25m', alertname: 'SlipwayFeatureDriftWarning', exp_alerts: [] },
        ],
      },
    ]));
});
