/**
 * The runtime's Prometheus metrics, on a registry of its own (so several runtimes can live in one
 * test process). Names and labels come from `core/metric-names.ts`, which the alert rules and the
 * controller query. What is counted per request or per batch is a hot metric (./hot-metrics.ts):
 * callers bind a child once and keep it, because a label lookup costs more than the observation.
 */
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import { LABELS, METRICS } from '../core/metric-names.js';
import { HotCounter, HotHistogram } from './hot-metrics.js';

/** Latency buckets (seconds) around the 5 ms budget. */
const LATENCY_BUCKETS = [0.0002, 0.0005, 0.001, 0.002, 0.003, 0.004, 0.005, 0.0075, 0.01, 0.025, 0.05, 0.1, 0.25, 1];
const SCORE_BUCKETS = [0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 1];
const BATCH_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256];

/** Every metric the runtime exports. */
export interface RuntimeMetrics {
  readonly registry: Registry;
  readonly requestDuration: HotHistogram<string>;
  readonly predictionErrors: HotCounter<string>;
  readonly inferenceDuration: HotHistogram<string>;
  readonly featureFetchDuration: HotHistogram<string>;
  readonly batchSize: HotHistogram<string>;
  readonly predictions: HotCounter<string>;
  readonly predictionScore: HotHistogram<string>;
  readonly featureFallbacks: HotCounter<string>;
  readonly featureLookups: HotCounter<string>;
  readonly featurePsi: Gauge<string>;
  readonly scorePsi: Gauge<string>;
  readonly driftWindowSamples: Gauge<string>;
  readonly outcomes: Counter<string>;
  readonly predictionRecordsDropped: HotCounter<string>;
  readonly modelInfo: Gauge<string>;
  readonly bundleReloads: Counter<string>;
  readonly artifactFetches: Counter<string>;
  readonly serving: Gauge<string>;
  readonly clientErrors: Counter<string>;
}

/** Creates the metrics on a fresh registry; `collectDrift` runs before every scrape. */
export function createMetrics(collectDrift: () => void): RuntimeMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const { model, version, route, status, feature, cause, role, weight, outcome } = LABELS;
  const registers = [registry];
  const driftCollector = { collect: collectDrift };
  return {
    registry,
    requestDuration: new HotHistogram({ name: METRICS.requestDuration, help: 'Whole HTTP requests, in seconds.', labelNames: [model, version, route, status], buckets: LATENCY_BUCKETS, registers }),
    predictionErrors: new HotCounter({ name: METRICS.predictionErrors, help: 'Predictions that failed.', labelNames: [model, version], registers }),
    inferenceDuration: new HotHistogram({ name: METRICS.inferenceDuration, help: 'One batched ONNX Runtime run, in seconds.', labelNames: [model, version], buckets: LATENCY_BUCKETS, registers }),
    featureFetchDuration: new HotHistogram({ name: METRICS.featureFetchDuration, help: 'One pipelined online feature fetch, in seconds.', labelNames: [model], buckets: LATENCY_BUCKETS, registers }),
    batchSize: new HotHistogram({ name: METRICS.batchSize, help: 'Rows per ONNX Runtime run.', labelNames: [model, version], buckets: BATCH_BUCKETS, registers }),
    predictions: new HotCounter({ name: METRICS.predictions, help: 'Predictions by class.', labelNames: [model, version, LABELS.class], registers }),
    predictionScore: new HotHistogram({ name: METRICS.predictionScore, help: 'Prediction scores.', labelNames: [model, version], buckets: SCORE_BUCKETS, registers }),
    featureFallbacks: new HotCounter({ name: METRICS.featureFallbacks, help: 'Inputs served from their declared default.', labelNames: [model, feature, cause], registers }),
    featureLookups: new HotCounter({ name: METRICS.featureLookups, help: 'Inputs looked up in the online store (each may fall back).', labelNames: [model], registers }),
    featurePsi: new Gauge({ name: METRICS.featurePsi, help: 'PSI of the sliding window of an input against the reference profile.', labelNames: [model, version, feature], registers, ...driftCollector }),
    scorePsi: new Gauge({ name: METRICS.scorePsi, help: 'PSI of the sliding window of prediction scores against the reference profile.', labelNames: [model, version], registers }),
    driftWindowSamples: new Gauge({ name: METRICS.driftWindowSamples, help: 'Predictions in the current drift window.', labelNames: [model, version], registers }),
    outcomes: new Counter({ name: METRICS.outcomes, help: 'Labelled outcomes fed back, by confusion-matrix cell.', labelNames: [model, version, outcome], registers }),
    predictionRecordsDropped: new HotCounter({ name: METRICS.predictionRecordsDropped, help: 'Prediction records not written to the online store (their labels cannot join).', labelNames: [model, cause], registers }),
    modelInfo: new Gauge({ name: METRICS.modelInfo, help: 'One per loaded version: what is serving, in which role and weight.', labelNames: [model, version, role, weight, LABELS.sha256], registers }),
    bundleReloads: new Counter({ name: METRICS.bundleReloads, help: 'Bundle file changes applied or rejected.', labelNames: [LABELS.result], registers }),
    artifactFetches: new Counter({ name: METRICS.artifactFetches, help: 'Artifact fetches from the store or the local cache, by result.', labelNames: [model, version, LABELS.result], registers }),
    serving: new Gauge({ name: METRICS.serving, help: "1 while the bundle's stable version serves, 0 while the runtime waits for it.", labelNames: [model], registers }),
    clientErrors: new Counter({ name: METRICS.clientErrors, help: 'Connections refused before a request could be routed: timeouts, oversized headers, malformed HTTP.', labelNames: [LABELS.reason], registers }),
  };
}
