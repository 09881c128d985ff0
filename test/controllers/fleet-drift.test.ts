/**
 * Drift evidence that holds across a fleet: three exporters of the runtime's real drift counters
 * (one restarted mid-window, its counters gone with its process) and one single pod given the
 * same traffic, scraped by a real Prometheus that evaluates the rendered drift rules. The fleet's
 * counts equal the single pod's to the last bin; the controller's statistics (KS for numbers,
 * Cramér's V for categories, PSI for the score, as the policy names them) equal each other and
 * what core/statistics computes from the traffic; the recorded rules equal both.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { stringify } from 'yaml';
import type { Catalog, Scalar } from '../../core/catalog.js';
import { driftInputType } from '../../core/drift-decision.js';
import { SCORE_FEATURE } from '../../core/metric-names.js';
import { driftBins } from '../../core/statistics/drift-bins.js';
import { DRIFT_STATISTICS } from '../../core/statistics/drift-statistics.js';
import { generateTransactions } from '../../features/generate.js';
import { readDriftCounts } from '../../controllers/sources/drift-counts.js';
import { measureDrift } from '../../controllers/sources/gather-evidence.js';
import { PrometheusSource } from '../../controllers/sources/prometheus.js';
import { driftSamplesQuery } from '../../controllers/sources/queries.js';
import { alertGroups } from '../../generators/prometheus-rule.js';
import { catalogWithDriftPolicy, TRANSACTION_COLUMNS } from '../support/drift-catalog.js';
import { startDriftExporter, type DriftExporter } from '../support/drift-exporter.js';
import { startPrometheus, type TestPrometheus } from '../support/prometheus-server.js';

const NAMESPACE = 'ml-prod';
const MODEL = 'fraud-detector';
const WINDOW_MS = 120_000;
const REQUESTS = 600;

describe('drift of a fleet of three pods, one restarted mid-window', () => {
  let catalog: Catalog;
  let prometheus: TestPrometheus;
  let metrics: PrometheusSource;
  let fleet: DriftExporter[];
  let single: DriftExporter;
  let dir: string;
  /** What core/statistics computes from the traffic itself, per feature: counts per bin. */
  const expected = new Map<string, number[]>();
  let version: string;

  before(async () => {
    catalog = await catalogWithDriftPolicy({ numeric: { statistic: 'ks', warn: 0.1, act: 0.2 }, categorical: { statistic: 'chi-squared', warn: 0.1, act: 0.2 }, windowMs: WINDOW_MS, minSamples: 10 });
    const env = catalog.environments.get('prod')!;
    const deployment = env.deployments.find((candidate) => candidate.model === MODEL)!;
    const card = catalog.models.get(MODEL)!;
    version = deployment.stable;
    const served = card.versions.get(version)!;
    const profile = served.referenceProfile!;
    const inputRefs = served.inputs.map((input) => input.ref);
    dir = await mkdtemp(path.join(tmpdir(), 'slipway-fleet-drift-'));
    const groups = alertGroups({ environment: env, deployment, card, drift: catalog.driftPolicies.get(deployment.drift!)! }).filter((group) => group.name.endsWith('-drift'));
    await writeFile(path.join(dir, 'rules.yaml'), stringify({ groups }));
    fleet = await Promise.all([0, 1, 2].map(() => startDriftExporter({ model: MODEL, version, inputRefs, profile })));
    // The single pod exports the same version under another name, so that both can be queried apart.
    single = await startDriftExporter({ model: MODEL, version: `${version}-single`, inputRefs, profile });
    prometheus = await startPrometheus([...fleet, single].map((exporter) => exporter.target), '1s', [path.join(dir, 'rules.yaml')], { namespace: NAMESPACE });
    await prometheus.waitForTargetsUp();
    metrics = new PrometheusSource(prometheus.url);

    // Drifted traffic (the generator's sudden shift from the first request), round-robin over the fleet.
    const rows: { values: Scalar[]; score: number }[] = [];
    let index = 0;
    for (const t of generateTransactions({ seed: 7, rows: REQUESTS, drift: 'sudden', shiftAt: 0 })) {
      rows.push({ values: served.inputs.map((input) => TRANSACTION_COLUMNS[input.feature](t)), score: (index++ * 0.6180339887) % 1 });
    }
    for (const [ref, distribution] of [...Object.entries(profile.inputs), [SCORE_FEATURE, profile.score!] as const]) {
      const bins = driftBins(distribution);
      const column = inputRefs.indexOf(ref);
      const counts = bins.labels.map(() => 0);
      for (const row of rows) counts[bins.bucket(column === -1 ? row.score : row.values[column])] += 1;
      expected.set(ref, counts);
    }
    const serve = (from: number, to: number) => {
      for (let r = from; r < to; r += 1) {
        fleet[r % 3].observe(rows[r].values, rows[r].score);
        single.observe(rows[r].values, rows[r].score);
      }
    };
    const scraped = async (count: number) => {
      for (const selectorVersion of [version, `${version}-single`]) {
        await eventually(async () => (await metrics.measure(driftSamplesQuery({ namespace: NAMESPACE, model: MODEL, version: selectorVersion }, WINDOW_MS))).value === count);
      }
    };
    serve(0, REQUESTS / 2);
    await scraped(REQUESTS / 2);
    // The restarted pod's counts so far live on only in Prometheus.
    await fleet[1].restart();
    serve(REQUESTS / 2, REQUESTS);
    await scraped(REQUESTS);
    await eventually(async () => Number((await prometheus.query('slipway:drift_samples:drift_window'))[0]?.value[1]) === REQUESTS);
  });

  after(async () => {
    await prometheus?.stop();
    for (const exporter of [...(fleet ?? []), single]) await exporter?.stop();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it('counts exactly what a single pod counts, bin by bin, and what was served', async () => {
    const ofFleet = await readDriftCounts(metrics, { namespace: NAMESPACE, model: MODEL, version }, WINDOW_MS);
    const ofSingle = await readDriftCounts(metrics, { namespace: NAMESPACE, model: MODEL, version: `${version}-single` }, WINDOW_MS);
    assert.equal(ofFleet.error, undefined);
    assert.equal(ofFleet.samples, REQUESTS);
    assert.deepEqual(ofFleet.byFeature, ofSingle.byFeature);
    for (const [feature, counts] of expected) {
      const labels = driftBins(feature === SCORE_FEATURE ? catalog.models.get(MODEL)!.versions.get(version)!.referenceProfile!.score! : catalog.models.get(MODEL)!.versions.get(version)!.referenceProfile!.inputs[feature]).labels;
      assert.deepEqual(labels.map((label) => ofFleet.byFeature.get(feature)?.get(label)), counts, feature);
    }
  });

  it('gives the controller the statistic the policy names, computed from the fleet counts', async () => {
    const env = catalog.environments.get('prod')!;
    const deployment = env.deployments.find((candidate) => candidate.model === MODEL)!;
    const { windows } = await measureDrift(catalog, env, deployment, metrics, { version: null, deployedAgoMs: null });
    const latest = windows.at(-1)!;
    const served = catalog.models.get(MODEL)!.versions.get(version)!;
    const profile = served.referenceProfile!;
    assert.equal(latest.samples, REQUESTS);
    for (const input of served.inputs) {
      const statistic = driftInputType(input.dtype) === 'categorical' ? 'chi-squared' : 'ks';
      const want = DRIFT_STATISTICS[statistic].measure(driftBins(profile.inputs[input.ref]).reference, expected.get(input.ref)!, profile.rows);
      assert.equal(latest.inputs.find((candidate) => candidate.ref === input.ref)?.value, want, input.ref);
    }
    assert.equal(latest.score, DRIFT_STATISTICS.psi.measure(driftBins(profile.score!).reference, expected.get(SCORE_FEATURE)!, profile.rows));
    assert.ok(latest.inputs.some((input) => input.value > 0.2), 'the sudden shift drifts some input above act');
  });

  it('records, per input, the same statistic as core/statistics (PSI, KS and Cramér\'s V)', async () => {
    const profile = catalog.models.get(MODEL)!.versions.get(version)!.referenceProfile!;
    const recorded = await prometheus.query(`slipway:drift_statistic:drift_window{version="${version}"}`);
    const seen = new Set<string>();
    for (const sample of recorded) {
      const feature = sample.metric.feature;
      const distribution = feature === SCORE_FEATURE ? profile.score! : profile.inputs[feature];
      const statistic = sample.metric.statistic as keyof typeof DRIFT_STATISTICS;
      const want = DRIFT_STATISTICS[statistic].measure(driftBins(distribution).reference, expected.get(feature)!, profile.rows);
      const got = Number(sample.value[1]);
      assert.ok(Math.abs(got - want) <= 1e-9 * Math.max(1, Math.abs(want)), `${feature} ${statistic}: rule ${got}, core ${want}`);
      seen.add(statistic);
    }
    assert.equal(recorded.length, expected.size, 'one recorded statistic per input and the score');
    assert.deepEqual([...seen].sort(), ['chi-squared', 'ks', 'psi']);
  });
});

async function eventually(check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`not within ${timeoutMs} ms`);
}
