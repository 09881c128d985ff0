/**
 * A metrics endpoint the test controls, exporting the runtime's metric names with prom-client, and
 * a real Prometheus scraping it: what the controller queries is what Prometheus stored.
 */
import { createServer, type Server } from 'node:http';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { METRICS } from '../../core/metric-names.js';
import { startPrometheus, type TestPrometheus } from '../support/prometheus-server.js';

/** Traffic of one served version, per tick (100 ms). */
export interface VersionTraffic {
  requests: number;
  errors: number;
  latencySeconds: number;
  scorePsi?: number;
  featurePsi?: Record<string, number>;
  driftSamples?: number;
  /** Requests labelled with the version that are not predictions (model-ready probes, metadata, feedback). */
  otherRequests?: number;
}

/** The endpoint, its Prometheus, and the knobs. */
export interface MetricsLab {
  readonly prometheus: TestPrometheus;
  /** Keyed by `namespace/model/version`. */
  readonly traffic: Map<string, VersionTraffic>;
  set(namespace: string, model: string, version: string, traffic: VersionTraffic): void;
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
  const scorePsi = new Gauge({ name: METRICS.scorePsi, help: 'score psi', labelNames, registers: [registry] });
  const featurePsi = new Gauge({ name: METRICS.featurePsi, help: 'feature psi', labelNames: [...labelNames, 'feature'], registers: [registry] });
  const samples = new Gauge({ name: METRICS.driftWindowSamples, help: 'samples', labelNames, registers: [registry] });
  const traffic = new Map<string, VersionTraffic>();
  const tick = setInterval(() => {
    for (const [key, knobs] of traffic) {
      const [namespace, model, version] = key.split('/');
      const labels = { namespace, model, version };
      for (let i = 0; i < knobs.requests; i++) requests.observe({ ...labels, route: 'score', status: '200' }, knobs.latencySeconds);
      // Fast, successful and many: they would dilute the error rate and the p99 if counted.
      for (let i = 0; i < (knobs.otherRequests ?? 0); i++) requests.observe({ ...labels, route: ['model-ready', 'model-metadata', 'feedback'][i % 3], status: '200' }, 0.0001);
      if (knobs.errors > 0) errors.inc(labels, knobs.errors);
      else errors.inc(labels, 0);
      if (knobs.scorePsi !== undefined) scorePsi.set(labels, knobs.scorePsi);
      for (const [feature, value] of Object.entries(knobs.featurePsi ?? {})) featurePsi.set({ ...labels, feature }, value);
      if (knobs.driftSamples !== undefined) samples.set(labels, knobs.driftSamples);
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
