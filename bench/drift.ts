/**
 * bench/drift: replays seeded scenarios of the data generator (stationary, seasonal, sudden shift,
 * gradual shift; 20 seeds of each) through the runtime's drift bins (`core/statistics/drift-bins.ts`,
 * counted per window as Prometheus sums the fleet's counters) and the example's DriftPolicy decided
 * by `core/drift-decision.ts`, and prints per scenario the detection rate or false-alarm rate and
 * the median requests to detection. The same replays are judged per statistic (PSI, KS for
 * numbers, chi-squared as Cramér's V for categories, computed by `core/statistics/drift-statistics.ts`
 * as the controller computes them), with the example policy's window, samples, windows and
 * minFeatures. Baselines measured in the same run: a naive detector (one 1 h window, any input PSI
 * > 0.2, no sample floor, no hysteresis), the example's previous policy (1 h windows, 500 samples,
 * 2 windows, 1 input), the policy with `minFeatures: 1` (to show what that setting buys), and the
 * seed's reported 91.8 % drift-detection accuracy. A last table shows PSI per input per window length.
 * The model card's reference profile is used when it has one (else the trainer's profile code over
 * a stationary sample), and the score is measured when the card's ONNX artifact exists.
 *
 * Replay clock: the generator spreads event times evenly over each day but draws
 * `transaction_hour` from a daytime-heavy distribution, independently. A real runtime serves a
 * transaction at its hour, so the replay serves each transaction at its event day plus its
 * `transaction_hour` (keeping its position inside that hour), in that order. This is what makes a
 * window shorter than a day see one hour of `transaction_hour` while the reference covers all 24.
 *
 * Runs on two worker threads; progress goes to stderr, the table to stdout (byte-identical per run).
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import type { BundleInput } from '../core/bundle.js';
import { buildBundle } from '../core/bundle.js';
import { type DriftPolicy, environmentsInPromotionOrder, type ReferenceProfile, type Scalar } from '../core/catalog.js';
import { decideDrift, driftInputType, type DriftRule, type DriftWindowStatistics } from '../core/drift-decision.js';
import { loadCatalogOrThrow } from '../core/load/load-catalog.js';
import { createInputEncoder } from '../core/model-input-encoding.js';
import { formatDuration } from '../core/units.js';
import { type DriftKind, generateTransactions, TRANSACTION_FEATURES } from '../features/generate.js';
import { driftBins, type DriftBins } from '../core/statistics/drift-bins.js';
import { DRIFT_STATISTICS, type DriftStatisticName } from '../core/statistics/drift-statistics.js';
import { type LoadedModel, loadModel } from '../runtime/model-loader.js';
import { referenceProfile } from '../training/profile.js';

const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const MODEL = 'fraud-detector';
/** Seeds per scenario (the issue asks for at least 20); `--seeds N` asks for more. */
const SEEDS = seedsArgument(process.argv.slice(2)) ?? 20;
/**
 * Requests per replay: the generator's default 100,000 over 180 days (~556 a day), the volume the
 * example model was trained on. Time windows make the requests per window follow from it.
 */
const ROWS = 100_000;
const DAYS = 180;
/** The generator's default sudden-shift point (fraction of the rows). */
const SHIFT_AT = 0.7;
/** The reference sample: a stationary stream of a seed no scenario uses. */
const REFERENCE_SEED = 1_000_003;
const REFERENCE_ROWS = 200_000;
const SEED_ACCURACY = 0.918;
/** Levels of the KS and Cramér's V detectors, the lowest without false alarms on these replays (KS 0.15 alarms on 10 % of seasonal ones; V is small because the reference side of its table is the profile's 83,333 rows). */
const KS_LEVELS = { warn: 0.1, act: 0.2 } as const;
const V_LEVELS = { warn: 0.02, act: 0.03 } as const;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

const SCENARIOS: readonly { readonly name: string; readonly drift: DriftKind; readonly drifting: boolean }[] = [
  { name: 'stationary', drift: 'none', drifting: false },
  { name: 'seasonal', drift: 'seasonal', drifting: false },
  { name: 'sudden shift', drift: 'sudden', drifting: true },
  { name: 'gradual shift', drift: 'gradual', drifting: true },
];

const COLUMNS = TRANSACTION_FEATURES;

/** A detector: a window length and the rule applied to consecutive, non-overlapping windows. */
interface Detector {
  readonly name: string;
  readonly windowMs: number;
  readonly rule: DriftRule;
}

/** What one worker needs to replay a job. */
interface Setup {
  readonly inputs: readonly BundleInput[];
  readonly profile: ReferenceProfile;
  readonly detectors: readonly Detector[];
  /** The served artifact, when there is one and the profile has a score distribution. */
  readonly model: { readonly file: string; readonly sha256: string } | null;
}

interface Job {
  readonly index: number;
  readonly scenario: number;
  readonly seed: number;
}

/** One detector's outcome in one replay. */
interface Outcome {
  /** Requests served before the first act, counted from the start of the drift; null: never acted. */
  readonly requests: number | null;
  readonly hours: number | null;
  /** Whether it acted before the drift started (sudden shift only) or at all (no drift). */
  readonly falseAlarm: boolean;
}

/** PSI per input (and the score, last) over one window length in one replay. */
interface WindowPsi {
  /** Highest and median PSI of the windows that ended before the drift began (all, without drift). */
  readonly beforeMax: readonly number[];
  readonly beforeMedian: readonly number[];
  /** Median PSI of the windows that began after the drift began; the last window's PSI. */
  readonly afterMedian: readonly number[];
  readonly last: readonly number[];
}

interface JobResult {
  readonly index: number;
  readonly outcomes: readonly Outcome[];
  /** Keyed by window length (ms). */
  readonly psi: Readonly<Record<string, WindowPsi>>;
}

if (isMainThread) await main();
else await runWorker(workerData as Setup);

async function main(): Promise<void> {
  const started = performance.now();
  const catalog = await loadCatalogOrThrow(PROJECT_ROOT);
  const card = catalog.models.get(MODEL);
  if (card === undefined) throw new Error(`bench/drift: the example has no model card '${MODEL}'`);
  const version = card.current.version;
  // The runtime's own view of the version (inputs with their categories), from an environment serving it.
  const served = environmentsInPromotionOrder(catalog)
    .filter((env) => env.deployments.some((deployment) => deployment.model === MODEL && deployment.drift !== undefined))
    .map((env) => ({ env, spec: buildBundle(catalog, env.name, MODEL).versions.find((candidate) => candidate.version === version) }))
    .find((candidate) => candidate.spec !== undefined);
  if (served?.spec === undefined) throw new Error(`bench/drift: no environment serves ${MODEL} ${version} under a drift policy`);
  const deployment = served.env.deployments.find((candidate) => candidate.model === MODEL)!;
  const policy = catalog.driftPolicies.get(deployment.drift!)!;
  const inputs = served.spec.inputs;
  for (const input of inputs) if (COLUMNS[input.feature] === undefined) throw new Error(`bench/drift: input ${input.ref} is not a generated column`);
  const { profile, source } = reference(served.spec.referenceProfile, inputs);
  // The example's artifacts live in its embedded store, the models/ directory.
  const file = path.join(PROJECT_ROOT, catalog.project.artifacts.url, served.spec.artifact.uri);
  const model = existsSync(file) && profile.score !== undefined ? { file, sha256: served.spec.artifact.sha256 } : null;
  const scoring =
    model !== null
      ? `${served.spec.artifact.uri} scored by ONNX Runtime on every request; score PSI against the profile's score distribution`
      : existsSync(file)
        ? `the reference has no score distribution: input drift only`
        : `no ONNX artifact at ${served.spec.artifact.uri}: input drift only, no score drift`;
  const detectors: Detector[] = [
    { name: 'naive: 1h window, any input PSI > 0.2', windowMs: HOUR_MS, rule: naiveRule(policy) },
    { name: 'previous example policy (1h, 500, 2, 1)', windowMs: HOUR_MS, rule: { ...policy, minSamples: 500, consecutiveWindows: 2, minFeatures: 1 } },
    { name: `${policy.name} with minFeatures 1`, windowMs: policy.windowMs, rule: { ...policy, minFeatures: 1 } },
    { name: `${policy.name} (example default)`, windowMs: policy.windowMs, rule: policy },
    // The same policy judged by each other statistic, at levels that read alike on stationary traffic.
    { name: `${policy.name}, numeric KS ${KS_LEVELS.act}`, windowMs: policy.windowMs, rule: { ...policy, numeric: { statistic: 'ks', ...KS_LEVELS } } },
    { name: `${policy.name}, categorical Cramér's V ${V_LEVELS.act}`, windowMs: policy.windowMs, rule: { ...policy, categorical: { statistic: 'chi-squared', ...V_LEVELS } } },
    { name: `${policy.name}, KS ${KS_LEVELS.act} + V ${V_LEVELS.act}`, windowMs: policy.windowMs, rule: { ...policy, numeric: { statistic: 'ks', ...KS_LEVELS }, categorical: { statistic: 'chi-squared', ...V_LEVELS } } },
    // The score acts on its own and is PSI whatever the inputs use: without it, each statistic shows what it detects by itself.
    { name: `inputs only: PSI ${policy.numeric.act}`, windowMs: policy.windowMs, rule: { ...policy, score: undefined } },
    { name: `inputs only: numeric KS ${KS_LEVELS.act}`, windowMs: policy.windowMs, rule: { ...policy, score: undefined, numeric: { statistic: 'ks', ...KS_LEVELS } } },
    { name: `inputs only: categorical V ${V_LEVELS.act}`, windowMs: policy.windowMs, rule: { ...policy, score: undefined, categorical: { statistic: 'chi-squared', ...V_LEVELS } } },
  ];
  const jobs: Job[] = [];
  SCENARIOS.forEach((_, scenario) => {
    for (let s = 0; s < SEEDS; s += 1) jobs.push({ index: jobs.length, scenario, seed: 101 + s });
  });
  const results = await runJobs(jobs, { inputs, profile, detectors, model });
  process.stderr.write(`\rbench/drift: ${jobs.length} replays in ${((performance.now() - started) / 1000).toFixed(1)} s${' '.repeat(20)}\n`);

  console.log(`bench/drift: ${MODEL} ${version} (served in ${served.env.name}) against DriftPolicy ${policy.name} (${policyLine(policy)})`);
  console.log(`replay: ${SEEDS} seeds per scenario, ${ROWS.toLocaleString('en-US')} requests over ${DAYS} days each (~${Math.round(ROWS / DAYS)}/day), served at event day + transaction_hour`);
  console.log(`reference: ${source}`);
  console.log(`score: ${scoring}`);
  console.log('');
  console.log(table(rows(jobs, results, detectors)));
  console.log('detection: share of drifting replays acted on after the drift began (sudden: after the shift point; gradual: the drift grows from the first request).');
  console.log('false alarms: share of stationary/seasonal replays with any act in 180 days; for sudden shifts, acts before the shift point.');
  console.log('median to detection: requests served (and hours) from the start of the drift to the first act, over detected replays.');
  console.log('');
  console.log(table(accuracyRows(jobs, results, detectors)));
  console.log(bar(jobs, results, 3));
  console.log('');
  console.log(`PSI per input in the windows (${SEEDS} replays each): why the window spans a day and why one drifting input is not enough`);
  console.log(table(psiRows(jobs, results, inputs.map((input) => input.ref), HOUR_MS, policy.windowMs)));
}

/** PSI figures per input and the score: hourly windows against the policy's, per scenario. */
function psiRows(jobs: readonly Job[], results: readonly JobResult[], refs: readonly string[], hourly: number, daily: number): string[][] {
  const day = formatDuration(daily);
  const header = ['input', 'stationary 1h: median', `stationary ${day}: highest`, `seasonal ${day}: highest`, `sudden ${day} after shift: median`, `gradual ${day}: last`];
  const of = (scenario: number, width: number, pick: (psi: WindowPsi) => readonly number[], column: number, reduce: (values: number[]) => number | null) =>
    reduce(jobs.filter((job) => job.scenario === scenario).map((job) => pick(results[job.index].psi[String(width)])[column]));
  const highest = (values: number[]) => values.reduce<number | null>((high, value) => (Number.isNaN(value) ? high : high === null || value > high ? value : high), null);
  const cell = (value: number | null) => (value === null ? '-' : value.toFixed(3));
  return [
    header,
    ...[...refs, 'prediction score'].map((ref, c) => [
      ref,
      cell(of(0, hourly, (psi) => psi.beforeMedian, c, median)),
      cell(of(0, daily, (psi) => psi.beforeMax, c, highest)),
      cell(of(1, daily, (psi) => psi.beforeMax, c, highest)),
      cell(of(2, daily, (psi) => psi.afterMedian, c, median)),
      cell(of(3, daily, (psi) => psi.last, c, median)),
    ]),
  ];
}

/** The card's profile when it has one; otherwise the trainer's profile of a stationary sample. */
function reference(card: ReferenceProfile | undefined, inputs: readonly BundleInput[]): { profile: ReferenceProfile; source: string } {
  if (card !== undefined && inputs.every((input) => card.inputs[input.ref] !== undefined)) {
    return { profile: card, source: `the model card's referenceProfile (${card.rows} rows)` };
  }
  const raw: Scalar[][] = inputs.map(() => []);
  for (const t of generateTransactions({ seed: REFERENCE_SEED, rows: REFERENCE_ROWS, drift: 'none' })) {
    inputs.forEach((input, i) => raw[i].push(COLUMNS[input.feature](t)));
  }
  // No model, no held-out scores: profile the inputs only (the score slot gets a dummy, dropped).
  const { rows, inputs: distributions } = referenceProfile(
    inputs.map((input) => ({ ...input, online: true })),
    raw,
    [0],
  );
  const missing = card === undefined ? 'has no referenceProfile' : 'has a referenceProfile without every input';
  return {
    profile: { rows, inputs: distributions },
    source: `the card ${missing}: training/profile.ts over a stationary sample (seed ${REFERENCE_SEED}, ${REFERENCE_ROWS.toLocaleString('en-US')} rows)`,
  };
}

/** One window, PSI > act on any input or the score, no sample floor beyond one request. */
function naiveRule(policy: DriftPolicy): DriftRule {
  return { numeric: policy.numeric, categorical: policy.categorical, score: policy.score, minSamples: 1, consecutiveWindows: 1, minFeatures: 1 };
}

function policyLine(policy: DriftPolicy): string {
  return `PSI warn ${policy.numeric.warn} act ${policy.numeric.act}, window ${formatDuration(policy.windowMs)}, minSamples ${policy.minSamples}, consecutiveWindows ${policy.consecutiveWindows}, minFeatures ${policy.minFeatures}`;
}

/** Runs the jobs on two worker threads, results in job order whatever the timing. */
async function runJobs(jobs: readonly Job[], setup: Setup): Promise<JobResult[]> {
  const results: JobResult[] = new Array<JobResult>(jobs.length);
  let next = 0;
  let done = 0;
  const workers = Array.from({ length: 2 }, () => new Worker(fileURLToPath(import.meta.url), { workerData: setup }));
  await Promise.all(
    workers.map(
      (worker) =>
        new Promise<void>((resolve, reject) => {
          const feed = () => {
            if (next >= jobs.length) {
              void worker.terminate().then(() => resolve());
              return;
            }
            worker.postMessage(jobs[next++]);
          };
          worker.on('message', (result: JobResult | 'ready') => {
            if (result !== 'ready') {
              results[result.index] = result;
              done += 1;
              process.stderr.write(`\rbench/drift: ${done}/${jobs.length} replays`);
            }
            feed();
          });
          worker.on('error', reject);
        }),
    ),
  );
  return results;
}

async function runWorker(setup: Setup): Promise<void> {
  const model = setup.model === null ? null : await loadModel(await readFile(setup.model.file), setup.model.file, setup.model.sha256, setup.inputs.length);
  // One job at a time: the main thread sends the next only after this one's result.
  parentPort!.on('message', (job: Job) => {
    void replay(setup, model, job).then((result) => parentPort!.postMessage(result));
  });
  parentPort!.postMessage('ready');
}

/** A generated transaction: when the replay serves it, its place in the stream and its input values. */
interface Request {
  readonly serveMs: number;
  readonly index: number;
  readonly values: Scalar[];
}

/** Replays one scenario and seed through every detector. */
async function replay(setup: Setup, model: LoadedModel | null, job: Job): Promise<JobResult> {
  const scenario = SCENARIOS[job.scenario];
  const refs = setup.inputs.map((input) => input.ref);
  const typeOf = new Map(setup.inputs.map((input) => [input.ref, driftInputType(input.dtype)] as const));
  const read = setup.inputs.map((input) => COLUMNS[input.feature]);
  const encode = createInputEncoder(setup.inputs);
  const detectors = setup.detectors.map((detector) => ({
    detector,
    history: [] as DriftWindowStatistics[],
    actedAt: null as { requests: number; ms: number } | null,
    falseAlarm: false,
  }));
  // Detectors with the same window length share one runtime window, as versions share one in the runtime.
  const lengths = [...new Set(setup.detectors.map((detector) => detector.windowMs))];
  const windows = lengths.map((width) => ({
    width,
    window: new WindowCounts(refs, setup.profile),
    // Windows below every detector's sample floor say nothing; keep them out of the PSI figures.
    floor: Math.max(1, Math.min(...setup.detectors.filter((detector) => detector.windowMs === width).map((detector) => detector.rule.minSamples))),
    users: detectors.filter((state) => state.detector.windowMs === width),
    end: Number.POSITIVE_INFINITY,
    before: [] as number[][],
    after: [] as number[][],
  }));
  const shiftIndex = Math.ceil(SHIFT_AT * (ROWS - 1));
  let driftStart: { requests: number; ms: number } | null = null;
  let served = 0;

  const close = (state: (typeof windows)[number], until: number) => {
    // Judge every window that ended by `until`, just before its end so that the snapshot sees it whole.
    for (; state.end <= until; state.end += state.width) {
      const psiOf = state.window.statistics({ numeric: 'psi', categorical: 'psi' }, typeOf);
      if (psiOf.samples >= state.floor) {
        const values = [...psiOf.inputs.map((input) => input.value), psiOf.score ?? Number.NaN];
        if (driftStart === null) state.before.push(values);
        else if (state.end - state.width >= driftStart.ms) state.after.push(values);
      }
      for (const user of state.users) {
        const statistics = state.window.statistics({ numeric: user.detector.rule.numeric.statistic, categorical: user.detector.rule.categorical.statistic }, typeOf);
        user.history.push(statistics);
        if (user.history.length > user.detector.rule.consecutiveWindows) user.history.shift();
        if (user.actedAt !== null || decideDrift(user.detector.rule, user.history).verdict !== 'act') continue;
        if (driftStart === null) user.falseAlarm = true;
        else user.actedAt = { requests: served - driftStart.requests, ms: state.end - driftStart.ms };
      }
      // Windows do not overlap: the next one counts from zero, as consecutive Prometheus windows do.
      state.window.reset();
    }
  };

  const serveDay = async (day: Request[]) => {
    if (day.length === 0) return;
    day.sort((a, b) => a.serveMs - b.serveMs || a.index - b.index);
    const scores = model === null ? null : await scoreAll(model, encode, day);
    if (served === 0) for (const state of windows) state.end = (Math.floor(day[0].serveMs / state.width) + 1) * state.width;
    for (let r = 0; r < day.length; r += 1) {
      const { serveMs, index, values } = day[r];
      for (const state of windows) if (serveMs >= state.end) close(state, serveMs);
      if (driftStart === null && ((scenario.drift === 'sudden' && index >= shiftIndex) || scenario.drift === 'gradual')) driftStart = { requests: served, ms: serveMs };
      const score = scores === null ? 0 : scores[r];
      for (const state of windows) state.window.observe(values, score);
      served += 1;
    }
  };

  let day: Request[] = [];
  let dayStart = -1;
  let index = 0;
  for (const t of generateTransactions({ seed: job.seed, rows: ROWS, days: DAYS, drift: scenario.drift, shiftAt: SHIFT_AT })) {
    const start = t.eventMs - (t.eventMs % DAY_MS);
    if (start !== dayStart) {
      await serveDay(day);
      day = [];
      dayStart = start;
    }
    // Served at its own hour, keeping its place inside that hour by its place inside the day.
    day.push({ serveMs: start + t.hour * HOUR_MS + Math.floor(((t.eventMs - start) / DAY_MS) * HOUR_MS), index, values: read.map((column) => column(t)) });
    index += 1;
  }
  await serveDay(day);
  for (const state of windows) close(state, dayStart + DAY_MS);
  const psi: Record<string, WindowPsi> = {};
  for (const state of windows) {
    const columns = refs.length + 1;
    const column = (rows: readonly number[][], c: number) => rows.map((row) => row[c]);
    psi[String(state.width)] = {
      beforeMax: Array.from({ length: columns }, (_, c) => (state.before.length === 0 ? Number.NaN : Math.max(...column(state.before, c)))),
      beforeMedian: Array.from({ length: columns }, (_, c) => median(column(state.before, c)) ?? Number.NaN),
      afterMedian: Array.from({ length: columns }, (_, c) => median(column(state.after, c)) ?? Number.NaN),
      last: state.after.at(-1) ?? state.before.at(-1) ?? new Array<number>(columns).fill(Number.NaN),
    };
  }
  return {
    index: job.index,
    outcomes: detectors.map((state) => ({
      requests: state.actedAt?.requests ?? null,
      hours: state.actedAt === null ? null : state.actedAt.ms / HOUR_MS,
      falseAlarm: state.falseAlarm,
    })),
    psi,
  };
}

/** One window's counts per bin of every profiled input and the score, as Prometheus sums them. */
class WindowCounts {
  private readonly inputs: { readonly ref: string; readonly column: number; readonly bins: DriftBins; readonly counts: Float64Array }[] = [];
  private readonly score: { readonly bins: DriftBins; readonly counts: Float64Array } | null;
  private samples = 0;

  constructor(
    refs: readonly string[],
    private readonly profile: ReferenceProfile,
  ) {
    refs.forEach((ref, column) => {
      const distribution = profile.inputs[ref];
      if (distribution === undefined) return;
      const bins = driftBins(distribution);
      this.inputs.push({ ref, column, bins, counts: new Float64Array(bins.labels.length) });
    });
    const bins = profile.score === undefined ? null : driftBins(profile.score);
    this.score = bins === null ? null : { bins, counts: new Float64Array(bins.labels.length) };
  }

  observe(values: readonly Scalar[], score: number): void {
    for (const input of this.inputs) input.counts[input.bins.bucket(values[input.column])] += 1;
    if (this.score !== null) this.score.counts[this.score.bins.bucket(score)] += 1;
    this.samples += 1;
  }

  /** The window judged by the statistics a policy names per input type (the score by PSI). */
  statistics(names: Readonly<Record<'numeric' | 'categorical', DriftStatisticName>>, typeOf: ReadonlyMap<string, 'numeric' | 'categorical'>): DriftWindowStatistics {
    const rows = this.profile.rows;
    return {
      samples: this.samples,
      inputs: this.inputs.map((input) => {
        const type = typeOf.get(input.ref)!;
        return { ref: input.ref, type, value: DRIFT_STATISTICS[names[type]].measure(input.bins.reference, Array.from(input.counts), rows) };
      }),
      score: this.score === null ? null : DRIFT_STATISTICS.psi.measure(this.score.bins.reference, Array.from(this.score.counts), rows),
    };
  }

  reset(): void {
    for (const input of this.inputs) input.counts.fill(0);
    this.score?.counts.fill(0);
    this.samples = 0;
  }
}

/** Scores a day's requests in one batch, encoded exactly as the runtime encodes them. */
async function scoreAll(model: LoadedModel, encode: ReturnType<typeof createInputEncoder>, day: readonly Request[]): Promise<Float32Array> {
  const width = model.width;
  const batch = new Float32Array(day.length * width);
  day.forEach((request, row) => encode(request.values, batch, row * width));
  return model.score(batch, day.length);
}

/** The table rows: per detector and scenario. */
function rows(jobs: readonly Job[], results: readonly JobResult[], detectors: readonly Detector[]): string[][] {
  const header = ['detector', 'scenario', 'runs', 'detection', 'false alarms', 'median requests to detection', 'median hours'];
  const body: string[][] = [];
  detectors.forEach((detector, d) => {
    SCENARIOS.forEach((scenario, s) => {
      const mine = summary(jobs, results, s, d);
      body.push([
        detector.name,
        scenario.name,
        String(mine.runs),
        scenario.drifting ? percent(mine.detection) : '-',
        scenario.drift === 'gradual' ? '-' : percent(mine.falseAlarms),
        mine.medianRequests === null ? '-' : Math.round(mine.medianRequests).toLocaleString('en-US'),
        mine.medianHours === null ? '-' : mine.medianHours.toFixed(1),
      ]);
    });
  });
  return [header, ...body];
}

/**
 * One figure per detector comparable with the seed's "drift detection accuracy": the share of
 * replays judged right (drifting ones detected without an alarm before the shift, the others quiet).
 */
function accuracyRows(jobs: readonly Job[], results: readonly JobResult[], detectors: readonly Detector[]): string[][] {
  const accuracy = (d: number) => {
    const right = jobs.filter((job) => {
      const outcome = results[job.index].outcomes[d];
      return SCENARIOS[job.scenario].drifting ? outcome.requests !== null && !outcome.falseAlarm : !outcome.falseAlarm;
    });
    return right.length / jobs.length;
  };
  const naive = accuracy(0);
  return [
    ['detector', 'replays', 'accuracy', 'vs naive', 'vs seed 001 (91.8 %)'],
    ...detectors.map((detector, d) => [detector.name, String(jobs.length), percent(accuracy(d)), ratio(accuracy(d), naive), ratio(accuracy(d), SEED_ACCURACY)]),
    ['seed 001, reported (not replayed)', '-', percent(SEED_ACCURACY), ratio(SEED_ACCURACY, naive), '1.00x'],
  ];
}

function percent(value: number): string {
  return `${(value * 100).toFixed(1)} %`;
}

interface Summary {
  readonly runs: number;
  readonly detection: number;
  readonly falseAlarms: number;
  readonly medianRequests: number | null;
  readonly medianHours: number | null;
}

function summary(jobs: readonly Job[], results: readonly JobResult[], scenario: number, detector: number): Summary {
  const outcomes = jobs.filter((job) => job.scenario === scenario).map((job) => results[job.index].outcomes[detector]);
  const detected = outcomes.filter((outcome) => outcome.requests !== null);
  return {
    runs: outcomes.length,
    detection: detected.length / outcomes.length,
    falseAlarms: outcomes.filter((outcome) => outcome.falseAlarm).length / outcomes.length,
    medianRequests: median(detected.map((outcome) => outcome.requests!)),
    medianHours: median(detected.map((outcome) => outcome.hours!)),
  };
}

function median(values: readonly number[]): number | null {
  const sorted = values.filter((value) => !Number.isNaN(value)).sort((a, b) => a - b);
  if (sorted.length === 0) return null;
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** `--seeds N`, when given. */
function seedsArgument(args: readonly string[]): number | null {
  const at = args.indexOf('--seeds');
  if (at === -1) return null;
  const seeds = Number(args[at + 1]);
  if (!Number.isInteger(seeds) || seeds < 1) throw new Error(`bench/drift: --seeds needs a positive integer (got ${args[at + 1]})`);
  return seeds;
}

function ratio(value: number, baseline: number): string {
  return baseline === 0 ? (value === 0 ? '1.00x' : 'inf') : `${(value / baseline).toFixed(2)}x`;
}

/** Whether the example policy meets the issue's bar. */
function bar(jobs: readonly Job[], results: readonly JobResult[], detector: number): string {
  const parts = SCENARIOS.map((scenario, s) => {
    const mine = summary(jobs, results, s, detector);
    const met = scenario.drifting ? mine.detection >= 0.95 && mine.falseAlarms <= 0.02 : mine.falseAlarms <= 0.02;
    return `${scenario.name} ${scenario.drifting ? `detection ≥ 95 %` : 'false alarms ≤ 2 %'} (${met ? 'met' : 'MISSED'})`;
  });
  return `bar, example policy: ${parts.join('; ')}`;
}

function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  const line = (row: readonly string[]) => row.map((cell, column) => (column >= 2 ? cell.padStart(widths[column]) : cell.padEnd(widths[column]))).join('  ');
  return [line(rows[0]), widths.map((width) => '-'.repeat(width)).join('  '), ...rows.slice(1).map(line)].join('\n');
}
