/**
 * Prometheus metric and label names the runtime exports and the controller, the rendered alert
 * rules and the benches query. One list, so that a rename cannot split producer and consumer.
 */
export const METRICS = {
  /** Histogram (seconds) of whole HTTP requests; labels model, version, route, status. */
  requestDuration: 'slipway_request_duration_seconds',
  clientErrors: 'slipway_client_errors_total',
  /** Counter of answered predictions that failed; labels model, version. */
  predictionErrors: 'slipway_prediction_errors_total',
  /** Histogram (seconds) of one batched ORT run; labels model, version. */
  inferenceDuration: 'slipway_inference_duration_seconds',
  /** Histogram (seconds) of one online feature fetch; label model. */
  featureFetchDuration: 'slipway_feature_fetch_duration_seconds',
  /** Histogram of rows per ORT run; labels model, version. */
  batchSize: 'slipway_batch_size',
  /** Counter of predictions; labels model, version, class. */
  predictions: 'slipway_predictions_total',
  /** Histogram of prediction scores; labels model, version. */
  predictionScore: 'slipway_prediction_score',
  /** Counter of inputs served from their default; labels model, feature, cause (missing|invalid|timeout|unavailable). */
  featureFallbacks: 'slipway_feature_fallbacks_total',
  /** Counter of inputs looked up in the online store (not sent with the request); label model. The fallback ratio's denominator. */
  featureLookups: 'slipway_feature_lookups_total',
  /** Gauge: PSI of the sliding window against the reference profile; labels model, version, feature. */
  featurePsi: 'slipway_feature_psi',
  /** Gauge: PSI of the prediction score window; labels model, version. */
  scorePsi: 'slipway_score_psi',
  /** Gauge: samples in the current drift window; labels model, version. */
  driftWindowSamples: 'slipway_drift_window_samples',
  /**
   * Counter of labelled outcomes fed back; labels model, version, outcome (tp|fp|tn|fn). Counted by
   * the pod that took the label, whichever served the prediction: only the sum over pods means anything.
   */
  outcomes: 'slipway_outcomes_total',
  /**
   * Counter of prediction records never written to the online store, so their labels cannot join;
   * labels model, cause (queue-full|unavailable|failed).
   */
  predictionRecordsDropped: 'slipway_prediction_records_dropped_total',
  /**
   * Gauge (1) per loaded version; labels model, version, role, weight, sha256 (of the bytes loaded).
   * The truth of what serves: the controller judges a canary only when it matches Git.
   */
  modelInfo: 'slipway_model_info',
  /** Counter of bundle file changes the runtime applied or rejected; label result (ok|failed). */
  bundleReloads: 'slipway_bundle_reloads_total',
  /**
   * Counter of artifact fetches; labels model, version, result (ok|cached|missing|denied|
   * unreachable|corrupt|unsupported|sha256-mismatch|invalid). Anything but ok or cached is alerted.
   */
  artifactFetches: 'slipway_artifact_fetches_total',
  /** Gauge: 1 while the runtime serves its bundle's stable version, 0 while it waits for it. */
  serving: 'slipway_serving',
} as const;

/**
 * The `route` label values of prediction requests (`POST …/infer`, `POST …/score`). Request
 * counts, error rates and latencies select these only: health checks, metadata, `/metrics`,
 * feedback and unknown paths are requests too, and would dilute a canary's error rate and p99.
 */
export const INFERENCE_ROUTES = ['infer', 'score'] as const;

/** Label names used across the metrics above. */
export const LABELS = {
  model: 'model',
  version: 'version',
  role: 'role',
  weight: 'weight',
  feature: 'feature',
  cause: 'cause',
  route: 'route',
  status: 'status',
  class: 'class',
  outcome: 'outcome',
  result: 'result',
  reason: 'reason',
  sha256: 'sha256',
} as const;
