/** Every rendered PrometheusRule passes `promtool check rules` (the real one, from Debian's prometheus). */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { stringify } from 'yaml';
import type { Catalog, Environment } from '../../core/catalog.js';
import { loadCatalogOrThrow } from '../../core/load/load-catalog.js';
import { render } from '../../generators/render.js';
import { copyExampleRepo, PROJECT_ROOT } from '../support/example-repo.js';
import { requireBinary } from '../support/processes.js';

async function checkRules(catalog: Catalog): Promise<number> {
  requireBinary('promtool', 'prometheus');
  const dir = await mkdtemp(path.join(tmpdir(), 'slipway-promtool-'));
  try {
    let checked = 0;
    for (const [file, object] of render(catalog).objects) {
      if (object.kind !== 'PrometheusRule') continue;
      const rules = path.join(dir, file.replace('/', '-'));
      await writeFile(rules, stringify({ groups: (object.spec as { groups: unknown }).groups }));
      const run = spawnSync('promtool', ['check', 'rules', rules], { encoding: 'utf8' });
      assert.equal(run.status, 0, `promtool rejected ${file}:\n${run.stdout}${run.stderr}`);
      assert.match(run.stdout, /SUCCESS: \d+ rules found/);
      checked++;
    }
    return checked;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The serving group's rules of prod, as promtool reads a rule file. */
async function prodServingRules(root = PROJECT_ROOT): Promise<{ groups: unknown[] }> {
  const rule = render(await loadCatalogOrThrow(root)).objects.get('prod/prometheusrule-fraud-detector.yaml')!;
  const groups = (rule.spec as { groups: { name: string }[] }).groups.filter((group) => group.name === 'fraud-detector-serving');
  assert.equal(groups.length, 1);
  return { groups };
}

/** One input series per runtime counter, as promtool's `input_series` notation: a value every minute. */
function counterSeries(metric: string, perMinute: number, minutes: number): { series: string; values: string } {
  return { series: `${metric}{namespace="ml-prod", model="fraud-detector", pod="p-1"}`, values: `0+${perMinute}x${minutes}` };
}

describe('promtool test rules', () => {
  it('fires SlipwayFeatureFallbackRatioHigh when 20 % of lookups fall back for 10 minutes, and not at 5 % nor while pending', async () => {
    requireBinary('promtool', 'prometheus');
    const dir = await mkdtemp(path.join(tmpdir(), 'slipway-promtool-'));
    try {
      await writeFile(path.join(dir, 'rules.yaml'), stringify(await prodServingRules()));
      const alertAt = (evalTime: string, fallbacksPerMinute: number, exp: unknown[]) => ({
        interval: '1m',
        input_series: [counterSeries('slipway_feature_lookups_total', 1000, 40), counterSeries('slipway_feature_fallbacks_total', fallbacksPerMinute, 40)],
        alert_rule_test: [{ eval_time: evalTime, alertname: 'SlipwayFeatureFallbackRatioHigh', exp_alerts: exp }],
      });
      const firing = {
        exp_labels: { model: 'fraud-detector', severity: 'warning', slipway_environment: 'prod', slipway_policy: 'serving' },
        exp_annotations: {
          summary: 'fraud-detector serves more than 10% of its online inputs from their defaults',
          description: 'fallback ratio 20%; slipway_feature_fallbacks_total by cause tells why: missing (materialization behind or values past their TTL), timeout or unavailable (Redis)',
        },
      };
      const tests = {
        rule_files: ['rules.yaml'],
        evaluation_interval: '1m',
        tests: [alertAt('25m', 200, [firing]), alertAt('8m', 200, []), alertAt('25m', 50, [])],
      };
      await writeFile(path.join(dir, 'tests.yaml'), stringify(tests));
      const run = spawnSync('promtool', ['test', 'rules', 'tests.yaml'], { cwd: dir, encoding: 'utf8' });
      assert.equal(run.status, 0, `promtool test rules failed:\n${run.stdout}${run.stderr}`);
      assert.match(run.stdout, /SUCCESS/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('an environment\'s own fallback ratio', () => {
  it('fires SlipwayFeatureFallbackRatioHigh above onlineStore.maxFallbackRatio: not at 20 % with 0.3 declared, at 40 %', async () => {
    requireBinary('promtool', 'prometheus');
    const repo = await copyExampleRepo();
    const dir = await mkdtemp(path.join(tmpdir(), 'slipway-promtool-'));
    try {
      const prod = path.join(repo.root, 'environments/prod.yaml');
      await writeFile(prod, (await readFile(prod, 'utf8')).replace('    timeout: 5ms\n', '    timeout: 5ms\n    maxFallbackRatio: 0.3\n'));
      await writeFile(path.join(dir, 'rules.yaml'), stringify(await prodServingRules(repo.root)));
      const alertAt = (fallbacksPerMinute: number, exp: unknown[]) => ({
        interval: '1m',
        input_series: [counterSeries('slipway_feature_lookups_total', 1000, 40), counterSeries('slipway_feature_fallbacks_total', fallbacksPerMinute, 40)],
        alert_rule_test: [{ eval_time: '25m', alertname: 'SlipwayFeatureFallbackRatioHigh', exp_alerts: exp }],
      });
      const firing = {
        exp_labels: { model: 'fraud-detector', severity: 'warning', slipway_environment: 'prod', slipway_policy: 'serving' },
        exp_annotations: {
          summary: 'fraud-detector serves more than 30% of its online inputs from their defaults',
          description: 'fallback ratio 40%; slipway_feature_fallbacks_total by cause tells why: missing (materialization behind or values past their TTL), timeout or unavailable (Redis)',
        },
      };
      await writeFile(path.join(dir, 'tests.yaml'), stringify({ rule_files: ['rules.yaml'], evaluation_interval: '1m', tests: [alertAt(200, []), alertAt(400, [firing])] }));
      const run = spawnSync('promtool', ['test', 'rules', 'tests.yaml'], { cwd: dir, encoding: 'utf8' });
      assert.equal(run.status, 0, `promtool test rules failed:\n${run.stdout}${run.stderr}`);
    } finally {
      await rm(dir, { recursive: true, force: true });
      await repo.dispose();
    }
  });
});

describe('promtool check rules', () => {
  it('passes every PrometheusRule of the example (dev, staging with a canary, prod)', async () => {
    assert.equal(await checkRules(await loadCatalogOrThrow(PROJECT_ROOT)), 3);
  });

  it('passes rules with a shadow version and a policy whose thresholds need float care', async () => {
    const catalog = await loadCatalogOrThrow(PROJECT_ROOT);
    const prod = catalog.environments.get('prod')!;
    const shadowed = { ...prod, deployments: [{ ...prod.deployments[0], shadow: { version: '2.0.0' } }] } as Environment;
    const rollout = catalog.rolloutPolicies.get('fraud-canary')!;
    const checks = rollout.analysis.checks.map((check) => (check.metric === 'error-rate' ? { ...check, maxFraction: 0.1 + 0.2 } : check));
    const changed = {
      ...catalog,
      environments: new Map([...catalog.environments].map(([name, env]) => [name, name === 'prod' ? shadowed : env])),
      rolloutPolicies: new Map([['fraud-canary', { ...rollout, analysis: { ...rollout.analysis, checks } }]]),
    } as Catalog;
    assert.equal(await checkRules(changed), 3);
    const expr = (render(changed).objects.get('prod/prometheusrule-fraud-detector.yaml')!.spec as { groups: { name: string; rules: { alert: string; expr: string }[] }[] }).groups.find((group) => group.name === 'fraud-detector-slo')!.rules.find((rule) => rule.alert === 'SlipwayErrorRateHigh')!.expr;
    assert.match(expr, / > 0\.3 /, 'float noise (0.30000000000000004) must not reach the rule');
  });
});

describe('promtool test rules', () => {
  it('fires the error-rate alert on failed predictions that ten times as many probes and metadata reads would dilute', async () => {
    requireBinary('promtool', 'prometheus');
    const rule = render(await loadCatalogOrThrow(PROJECT_ROOT)).objects.get('prod/prometheusrule-fraud-detector.yaml')!;
    const dir = await mkdtemp(path.join(tmpdir(), 'slipway-promtool-'));
    try {
      await writeFile(path.join(dir, 'rules.yaml'), stringify({ groups: (rule.spec as { groups: unknown }).groups }));
      const version = { namespace: 'ml-prod', model: 'fraud-detector', version: '2.0.0' };
      const series = (name: string, labels: Record<string, string>, values: string) => ({
        series: `${name}{${Object.entries({ ...version, ...labels }).map(([key, value]) => `${key}="${value}"`).join(',')}}`,
        values,
      });
      // Per minute: 100 predictions of which 10 fail (10 % > 5 %), and 2,000 successful model-ready probes and metadata reads.
      const test = {
        rule_files: ['rules.yaml'],
        evaluation_interval: '1m',
        tests: [
          {
            interval: '1m',
            input_series: [
              series('slipway_request_duration_seconds_count', { route: 'score', status: '200' }, '0+90x30'),
              series('slipway_request_duration_seconds_count', { route: 'score', status: '500' }, '0+10x30'),
              series('slipway_prediction_errors_total', {}, '0+10x30'),
              series('slipway_request_duration_seconds_count', { route: 'model-ready', status: '200' }, '0+1000x30'),
              series('slipway_request_duration_seconds_count', { route: 'model-metadata', status: '200' }, '0+1000x30'),
            ],
            alert_rule_test: [
              {
                eval_time: '20m',
                alertname: 'SlipwayErrorRateHigh',
                exp_alerts: [
                  {
                    exp_labels: { model: 'fraud-detector', version: '2.0.0', severity: 'critical', slipway_environment: 'prod', slipway_policy: 'fraud-canary' },
                    exp_annotations: { summary: 'Error rate of fraud-detector 2.0.0 above 5%', description: 'error rate 10%' },
                  },
                ],
              },
            ],
          },
        ],
      };
      await writeFile(path.join(dir, 'test.yaml'), stringify(test));
      const run = spawnSync('promtool', ['test', 'rules', 'test.yaml'], { cwd: dir, encoding: 'utf8' });
      assert.equal(run.status, 0, `${run.stdout}${run.stderr}`);
      assert.match(run.stdout, /SUCCESS/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
