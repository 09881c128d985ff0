/**
 * The Open Inference Protocol (KServe V2) handlers, plus the entity-keyed `/score` and the
 * `/feedback` extension. Each takes the parsed route and body and returns a status and a JSON
 * body; the HTTP server does the wire work. Each request uses one `ServingSet` from start to end,
 * so a hot reload in the middle cannot mix versions.
 */
import type { BundleInput } from '../core/bundle.js';
import type { Scalar } from '../core/catalog.js';
import { attributedTo } from './attributed-error.js';
import type { AuditLog } from './audit-log.js';
import type { RuntimeMetrics } from './metrics.js';
import type { PredictionLedger } from './prediction-ledger.js';
import { effectiveWeight, type ModelRegistry, type ServingSet } from './model-registry.js';
import { RequestError } from './request-error.js';
import { parseFeedbackRequest, parseInferRequest, parseScoreRequest, V2_DATATYPE } from './request-validation.js';
import type { ServedVersion } from './served-version.js';
import { scoreShadows } from './shadow.js';
import { fnv1a, stickyKeyOf } from './traffic-router.js';

/** What the handlers share. */
export interface HandlerContext {
  readonly registry: ModelRegistry;
  readonly audit: AuditLog;
  readonly feedback: PredictionLedger;
  readonly metrics: RuntimeMetrics;
  readonly isReady: () => boolean;
  nextRequestId(): string;
}

/** A handler's answer; `model` and `version` label the request metrics. */
export interface HandlerResult {
  readonly status: number;
  readonly body: unknown;
  readonly model?: string;
  readonly version?: string;
}

/** `GET /v2/health/live`. */
export function live(): HandlerResult {
  return { status: 200, body: { live: true } };
}

/** `GET /v2/health/ready`: ready once a bundle serves and until shutdown begins. */
export function ready(context: HandlerContext): HandlerResult {
  const isReady = context.isReady();
  return { status: isReady ? 200 : 503, body: { ready: isReady } };
}

/** `GET /v2`: server metadata. */
export function serverMetadata(): HandlerResult {
  return { status: 200, body: { name: 'slipway', version: '0.1.0', extensions: ['score', 'feedback'] } };
}

/** `GET /v2/models/{name}[/versions/{version}]`. */
export function modelMetadata(context: HandlerContext, name: string, version: string | undefined): HandlerResult {
  const set = servingSet(context, name);
  const served = version === undefined ? stableOf(set) : versionOf(set, version);
  return {
    status: 200,
    model: set.bundle.model,
    version: served.version,
    body: {
      name: set.bundle.model,
      versions: [...set.versions.keys()],
      platform: 'onnxruntime_onnx',
      inputs: served.spec.inputs.map((input) => ({ name: displayName(set, input), datatype: V2_DATATYPE[input.dtype], shape: [-1] })),
      outputs: [
        { name: 'score', datatype: 'FP32', shape: [-1] },
        { name: 'class', datatype: 'BYTES', shape: [-1] },
      ],
      parameters: {
        role: served.spec.role,
        weight: effectiveWeight(set, served),
        sha256: served.sha256,
        entities: [...new Set(set.fetcher.refs.flatMap((ref) => set.inputsByName.get(ref)!.joinKeys))].sort(),
        routing_keys: set.routingKeys,
      },
    },
  };
}

/** `GET /v2/models/{name}[/versions/{version}]/ready`. */
export function modelReady(context: HandlerContext, name: string, version: string | undefined): HandlerResult {
  const set = servingSet(context, name);
  const served = version === undefined ? stableOf(set) : versionOf(set, version);
  return { status: 200, model: set.bundle.model, version: served.version, body: { name: set.bundle.model, version: served.version, ready: true } };
}

/** `POST /v2/models/{name}[/versions/{version}]/infer`: inputs given as one tensor per feature. */
export async function infer(context: HandlerContext, name: string, version: string | undefined, body: unknown, headerId: string | undefined): Promise<HandlerResult> {
  const started = performance.now();
  const set = servingSet(context, name);
  const explicit = version === undefined ? undefined : versionOf(set, version);
  // Validate against the stable inputs first when routing, so a bad body never depends on the route.
  const request = parseInferRequest(body, (explicit ?? stableOf(set)).spec.inputs, set.inputsByName);
  const id = request.id ?? headerId ?? context.nextRequestId();
  const served = explicit ?? set.router.route(stickyKeyOf(undefined, set.routingKeys, id));
  const refs = set.fetcher.refs;
  const predictions = await attributedTo(set.bundle.model, served.version, () =>
    Promise.all(
      Array.from({ length: request.rows }, (_, row) => {
        const values: Scalar[] = refs.map((ref) => request.columns.get(ref)?.[row] ?? set.inputsByName.get(ref)!.default);
        scoreShadows(set, values);
        return served.predict(set.inputPositions.get(served)!.map((position) => values[position]));
      }),
    ),
  );
  if (request.rows === 1) context.feedback.remember(id, served.version, predictions[0].classIndex, predictions[0].score);
  context.audit.record(() => ({
    requestId: id,
    model: set.bundle.model,
    version: served.version,
    role: served.spec.role,
    latencyMs: performance.now() - started,
    score: predictions[0].score,
    className: predictions[0].className,
    fallbacks: 0,
    endpoint: 'infer',
  }));
  return {
    status: 200,
    model: set.bundle.model,
    version: served.version,
    body: {
      model_name: set.bundle.model,
      model_version: served.version,
      id,
      outputs: [
        { name: 'score', datatype: 'FP32', shape: [request.rows], data: predictions.map((prediction) => prediction.score) },
        { name: 'class', datatype: 'BYTES', shape: [request.rows], data: predictions.map((prediction) => prediction.className) },
      ],
    },
  };
}

/** `POST /v2/models/{name}[/versions/{version}]/score`: entity keys in, features from Redis, prediction out. */
export async function score(context: HandlerContext, name: string, version: string | undefined, body: unknown, headerId: string | undefined): Promise<HandlerResult> {
  const started = performance.now();
  const set = servingSet(context, name);
  const explicit = version === undefined ? undefined : versionOf(set, version);
  const request = parseScoreRequest(body, set.inputsByName, joinKeysOf(set));
  const id = request.id ?? headerId ?? context.nextRequestId();
  const stickyKey = stickyKeyOf(request.entities, set.routingKeys, id);
  const served = explicit ?? set.router.route(stickyKey);
  const fetched = await set.fetcher.fetch(request);
  const prediction = await attributedTo(set.bundle.model, served.version, () => served.predict(set.inputPositions.get(served)!.map((position) => fetched.values[position])));
  scoreShadows(set, fetched.values);
  context.feedback.remember(id, served.version, prediction.classIndex, prediction.score);
  context.audit.record(() => ({
    requestId: id,
    model: set.bundle.model,
    version: served.version,
    role: served.spec.role,
    entityHash: stickyKey.startsWith('id:') ? undefined : fnv1a(stickyKey).toString(16).padStart(8, '0'),
    latencyMs: performance.now() - started,
    score: prediction.score,
    className: prediction.className,
    fallbacks: fetched.fallbacks,
    endpoint: 'score',
  }));
  return {
    status: 200,
    model: set.bundle.model,
    version: served.version,
    body: {
      id,
      model_name: set.bundle.model,
      model_version: served.version,
      score: prediction.score,
      class: prediction.className,
      fallbacks: fetched.fallbacks,
    },
  };
}

/**
 * `POST /v2/models/{name}/feedback`: `{id, label}` for a prediction any replica made within the
 * label delay; counts its outcome here, once fleet-wide (the ledger hands each record out once).
 */
export async function feedback(context: HandlerContext, name: string, body: unknown): Promise<HandlerResult> {
  const set = servingSet(context, name);
  const request = parseFeedbackRequest(body, set.bundle.output.classes);
  const resolved = await Promise.resolve(context.feedback.resolve(request.id, request.label)).catch((error: Error) => {
    throw new RequestError(503, 'id', `cannot look up the prediction now (${error.message}); the label was not counted, send it again`);
  });
  if (resolved === null) throw new RequestError(404, 'id', `no recent prediction has id '${request.id}' (none within the label delay, or it already has a label)`);
  context.metrics.outcomes.inc({ model: set.bundle.model, version: resolved.version, outcome: resolved.outcome });
  return { status: 200, model: set.bundle.model, version: resolved.version, body: { id: request.id, version: resolved.version, outcome: resolved.outcome } };
}

function servingSet(context: HandlerContext, name: string): ServingSet {
  const set = context.registry.current;
  if (set === null) throw new RequestError(503, 'model', 'no model is loaded yet');
  if (name !== set.bundle.model) throw new RequestError(404, 'model', `'${name.slice(0, 100)}' is not served here (this runtime serves '${set.bundle.model}')`);
  return set;
}

function versionOf(set: ServingSet, version: string): ServedVersion {
  const served = set.versions.get(version);
  if (served === undefined) throw new RequestError(404, 'version', `'${version.slice(0, 100)}' of ${set.bundle.model} is not loaded (loaded: ${[...set.versions.keys()].join(', ')})`);
  return served;
}

function stableOf(set: ServingSet): ServedVersion {
  return [...set.versions.values()].find((version) => version.spec.role === 'stable')!;
}

const joinKeyCache = new WeakMap<ServingSet, ReadonlySet<string>>();

function joinKeysOf(set: ServingSet): ReadonlySet<string> {
  let keys = joinKeyCache.get(set);
  if (keys === undefined) {
    keys = new Set(set.fetcher.refs.flatMap((ref) => set.inputsByName.get(ref)!.joinKeys));
    joinKeyCache.set(set, keys);
  }
  return keys;
}

function displayName(set: ServingSet, input: BundleInput): string {
  return set.inputsByName.get(input.feature)?.ref === input.ref ? input.feature : input.ref;
}
