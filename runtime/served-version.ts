/**
 * One loaded model version as it serves: its ONNX model behind a micro-batcher, its input
 * encoding (the one the trainer uses), its drift counters and its pre-bound metrics.
 */
import type { BundleVersion, RuntimeBundle } from '../core/bundle.js';
import type { Scalar } from '../core/catalog.js';
import { createInputEncoder, type RowEncoder } from '../core/model-input-encoding.js';
import { Batcher } from './batcher.js';
import { DriftCounters } from './drift-counters.js';
import type { LoadedModel } from './model-loader.js';
import type { RuntimeMetrics } from './metrics.js';

/** A prediction of one version. */
export interface Prediction {
  readonly score: number;
  /** Index into the bundle's output classes (0 or 1); for regression always 0. */
  readonly classIndex: 0 | 1;
  readonly className: string;
}

/** Batch bounds of inference. */
export interface InferenceBatching {
  readonly maxBatchSize: number;
  readonly maxWaitMs: number;
}

/** A version that can predict. */
export class ServedVersion {
  readonly version: string;
  readonly sha256: string;
  /** Refs of the version's inputs, in model order. */
  readonly inputRefs: readonly string[];
  readonly drift: DriftCounters;
  private readonly encode: RowEncoder;
  private readonly batcher: Batcher<Float32Array, number>;
  private readonly width: number;
  private readonly threshold: number;
  private readonly classes: readonly [string, string];
  private readonly binary: boolean;
  private readonly bound: ReturnType<typeof bindMetrics>;

  constructor(
    readonly spec: BundleVersion,
    readonly model: LoadedModel,
    bundle: RuntimeBundle,
    metrics: RuntimeMetrics,
    batching: InferenceBatching,
  ) {
    this.version = spec.version;
    this.sha256 = model.sha256;
    this.inputRefs = spec.inputs.map((input) => input.ref);
    this.width = spec.inputs.length;
    this.encode = createInputEncoder(spec.inputs);
    this.threshold = bundle.output.threshold;
    this.classes = bundle.output.classes;
    this.binary = bundle.task === 'binary-classification';
    this.bound = bindMetrics(metrics, bundle.model, spec.version, this.classes, this.binary);
    // Bound to the same counters as any earlier instance of this version: a reload keeps counting.
    this.drift = new DriftCounters(bundle.model, spec.version, this.inputRefs, spec.referenceProfile, metrics);
    this.batcher = new Batcher((rows) => this.runBatch(rows), batching);
  }

  /** Scores one row of values in this version's input order. */
  async predict(values: readonly Scalar[]): Promise<Prediction> {
    const row = new Float32Array(this.width);
    this.encode(values, row, 0);
    let score: number;
    try {
      score = await this.batcher.submit(row);
    } catch (error) {
      this.bound.errors.inc();
      throw error;
    }
    const classIndex: 0 | 1 = this.binary && score >= this.threshold ? 1 : 0;
    this.bound.predictions[classIndex].inc();
    this.bound.score.observe(score);
    this.drift.observe(values, score);
    return { score, classIndex, className: this.binary ? this.classes[classIndex] : 'value' };
  }

  /** Resolves when no batch is queued or running. */
  idle(): Promise<void> {
    return this.batcher.idle();
  }

  private async runBatch(rows: readonly Float32Array[]): Promise<number[]> {
    const batch = new Float32Array(rows.length * this.width);
    rows.forEach((row, index) => batch.set(row, index * this.width));
    const started = performance.now();
    const scores = await this.model.score(batch, rows.length);
    this.bound.inference.observe((performance.now() - started) / 1000);
    this.bound.batchSize.observe(rows.length);
    return Array.from(scores);
  }
}

function bindMetrics(metrics: RuntimeMetrics, model: string, version: string, classes: readonly [string, string], binary: boolean) {
  const labels = { model, version };
  const classNames = binary ? classes : (['value', 'value'] as const);
  return {
    errors: metrics.predictionErrors.labels(labels),
    inference: metrics.inferenceDuration.labels(labels),
    batchSize: metrics.batchSize.labels(labels),
    score: metrics.predictionScore.labels(labels),
    predictions: [metrics.predictions.labels({ ...labels, class: classNames[0] }), metrics.predictions.labels({ ...labels, class: classNames[1] })] as const,
  };
}
