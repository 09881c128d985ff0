/**
 * A metrics endpoint the test controls, exporting the runtime's metric names with prom-client, and
 * a real Prometheus scraping it: what the controller queries is what Prometheus stored. Drift is
 * exported as the runtime exports it, counts per reference-profile bin: a knob such as
 * `featurePsi: { amount: 0.45 }` becomes per-tick counts whose PSI against the example card's
 * profile of that version is 0.45, so any window of whole ticks reads 0.45.
 */
import { createServer, type Server } from 'node:http';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { loadCatalogOrThrow } from '../../core/load/load-catalog.js';
import type { ReferenceProfile } from '../../core/catalog.js';
import { METRICS, SCORE_FEATURE } from '../../core/metric-names.js';
import { driftBins } from '../../core/statistics/drift-bins.js';
import { PROJECT_ROOT } from '../support/example-repo.js';
import { sharesWithPsi } from '../support/drift-traffic.js';
import { startPrometheus, type TestPrometheus } from '../support/prometheus-server.js';

/** Traffic of one served version, per tick (100 ms). */
export interface VersionTraffic {
  requests: number;
  errors: number;
  latencySeconds: number;
  /** PSI of the score's drift counts (default: the reference's own shares, PSI 0). */
  scorePsi?: number;
  /** PSI of inputs' drift counts; inputs not named follow the reference. */
  featurePsi?: Record<string, number>;
  /** Predictions a drift window of the test repositories (3 s, 30 ticks) holds, about; default 300. */
  driftSamples?: number;
  /** Requests labelled with the version that are not predictions (model-ready probes, metadata, feedback). */
  otherRequests?: number;
}

/** One version loaded in one pod, as the runtime's `slipway_model_info` labels it. */
export interface LoadedVersion {
  readonly version: string;
  readonly sha256: string;
  readonly role: string;
  readonly weight: number;
}

/** The endpoint, its Prometheus, and the knobs. */
export interface MetricsLab {
  readonly prometheus: TestPrometheus;
  /** Keyed by `namespace/model/version`. */
  readonly traffic: Map<string, VersionTraffic>;
  set(namespace: string, model: string, version: string, traffic: VersionTraffic): void;
  /** What `pod` reports in `slipway_model_info` from now on (replacing what it reported). */
  serve(namespace: string, model: string, pod: string, versions: readonly LoadedVersion[]): void;
  /** Waits until `query` returns a value for which `accept` holds. */
  waitFor(query: string, accept: (value: number) => boolean, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/** Starts the endpoint, the traffic ticker and Prometheus (scraping every second). */
export async function startMetricsLab(): Promise<MetricsLab> {
  const registry = new Registry();
  const labelNames = ['namespace', 'model', 'version'] as const;
  const requests = new Histogram({ name: METRICS.requestDuration, help: 'requests', labelNames: [...labelNames, 'route', 'status'], buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1], registers: [registry] });
  const errors = new Counter({ name: METRICS.predictionErrors, help: 'errors', labelNames, registers: [registry] });
  const observations = new Counter({ name: METRICS.driftObservations, help: 'drift counts', labelNames: [...labelNames, 'feature', 'bin', 'boot'], registers: [registry] });
  const samples = new Counter({ name: METRICS.driftSamples, help: 'drift samples', labelNames: [...labelNames, 'boot'], registers: [registry] });
  const profiles = await exampleProfiles();
  const modelInfo = new Gauge({ name: METRICS.modelInfo, help: 'loaded versions', labelNames: ['namespace', 'model', 'pod', 'version', 'sha256', 'role', 'weight'], registers: [registry] });
  const reported = new Map<string, Record<string, string>[]>();
  const traffic = new Map<string, VersionTraffic>();
  let lastTick = performance.now();
  const tick = setInterval(() => {
    // Drift counts follow the clock, not the timer: on a busy machine ticks arrive late, and a
    // window must still hold `driftSamples` predictions.
    const now = performance.now();
    const ticksElapsed = (now - lastTick) / 100;
    lastTick = now;
    for (const [key, knobs] of traffic) {
      const [namespace, model, version] = key.split('/');
      const labels = { namespace, model, version };
      for (let i = 0; i < knobs.requests; i++) requests.observe({ ...labels, route: 'score', status: '200' }, knobs.latencySeconds);
      // Fast, successful and many: they would dilute the error rate and the p99 if counted.
      for (let i = 0; i < (knobs.otherRequests ?? 0); i++) requests.observe({ ...labels, route: ['model-ready', 'model-metadata', 'feedback'][i % 3], status: '200' }, 0.0001);
      if (knobs.errors > 0) errors.inc(labels, knobs.errors);
      else errors.inc(labels, 0);
      const profile = profiles.get(`${model}/${version}`);
      if (profile === undefined) continue;
      const perTick = Math.max(1, Math.ceil((knobs.driftSamples ?? 300) / 30)) * ticksElapsed;
      const count = (feature: string, shares: readonly number[], bins: readonly string[]) =>
        shares.forEach((share, index) => observations.inc({ ...labels, feature, bin: bins[index], boot: 'lab' }, share * perTick));
      for (const [ref, distribution] of Object.entries(profile.inputs)) count(ref, sharesWithPsi(distribution, knobs.featurePsi?.[ref] ?? 0), driftBins(distribution).labels);
      if (profile.score !== undefined) count(SCORE_FEATURE, sharesWithPsi(profile.score, knobs.scorePsi ?? 0), driftBins(profile.score).labels);
      samples.inc({ ...labels, boot: 'lab' }, perTick);
    }
  }, 100);
  const server: Server = createServer((request, response) => {
    void registry.metrics().then((text) => {
      response.writeHead(200, { 'content-type': registry.contentType });
      response.end(text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const prometheus = await startPrometheus([`127.0.0.1:${port}`]);
  await prometheus.waitForTargetsUp();
  return {
    prometheus,
    traffic,
    set: (namespace, model, version, knobs) => traffic.set(`${namespace}/${model}/${version}`, knobs),
    serve(namespace, model, pod, versions) {
      const key = `${namespace}/${model}/${pod}`;
      for (const labels of reported.get(key) ?? []) modelInfo.remove(labels);
      const labelSets = versions.map((loaded) => ({ namespace, model, pod, version: loaded.version, sha256: loaded.sha256, role: loaded.role, weight: String(loaded.weight) }));
      for (const labels of labelSets) modelInfo.set(labels, 1);
      reported.set(key, labelSets);
    },
    async waitFor(query, accept, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      let last = 'nothing';
      while (Date.now() < deadline) {
        const result = await prometheus.query(query);
        const value = result.length > 0 ? Number(result[0].value[1]) : Number.NaN;
        last = String(value);
        if (Number.isFinite(value) && accept(value)) return;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      throw new Error(`prometheus never satisfied ${query} (last ${last})`);
    },
    async stop() {
      clearInterval(tick);
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await prometheus.stop();
    },
  };
}

/** The reference profile of every version of every model of the example, by `model/version`. */
async function exampleProfiles(): Promise<Map<string, ReferenceProfile>> {
  const catalog = await loadCatalogOrThrow(PROJECT_ROOT);
  const profiles = new Map<string, ReferenceProfile>();
  for (const card of catalog.models.values()) {
    for (const version of card.versions.values()) if (version.referenceProfile !== undefined) profiles.set(`${card.name}/${version.version}`, version.referenceProfile);
  }
  return profiles;
}

/**
 * Makes `pod` report in `slipway_model_info` what `environment` declares in the repository at
 * `root` (the stable and canary of each deployment with the card's sha256), as a runtime that
 * has loaded its bundle does.
 */
export async function serveAsDeclared(lab: MetricsLab, root: string, environment: string, pod = 'runtime-0'): Promise<void> {
  const catalog = await loadCatalogOrThrow(root);
  const env = catalog.environments.get(environment)!;
  for (const deployment of env.deployments) {
    const card = catalog.models.get(deployment.model)!;
    const sha256 = (version: string) => card.versions.get(version)!.artifact.sha256!;
    const canaryWeight = deployment.canary?.weight ?? 0;
    const versions: LoadedVersion[] = [{ version: deployment.stable, sha256: sha256(deployment.stable), role: 'stable', weight: 100 - canaryWeight }];
    if (deployment.canary !== undefined) versions.push({ version: deployment.canary.version, sha256: sha256(deployment.canary.version), role: 'canary', weight: canaryWeight });
    lab.serve(env.cluster.namespace, deployment.model, pod, versions);
  }
}
