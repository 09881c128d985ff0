/**
 * Checks request bodies against the model's declared inputs before anything else runs: a bad
 * request becomes a `RequestError` (4xx) naming the field, never an exception deeper in.
 * JSON cannot carry NaN, but `1e999` parses to Infinity: every number is checked to be finite.
 */
import type { BundleInput } from '../core/bundle.js';
import type { FeatureDtype, Scalar } from '../core/catalog.js';
import type { EntityValue } from './feature-fetcher.js';
import { RequestError } from './request-error.js';

/** The Open Inference Protocol datatype of each feature dtype. */
export const V2_DATATYPE: Readonly<Record<FeatureDtype, string>> = {
  float32: 'FP32',
  float64: 'FP64',
  int32: 'INT32',
  int64: 'INT64',
  bool: 'BOOL',
  string: 'BYTES',
};

/** Longest accepted string value or id. */
const MAX_STRING = 1_024;
/** Most rows one infer request may carry. */
export const MAX_INFER_ROWS = 1_024;

/** A validated `/score` request. */
export interface ScoreRequest {
  readonly id?: string;
  readonly entities: Readonly<Record<string, EntityValue>>;
  readonly provided: ReadonlyMap<string, Scalar>;
}

/** A validated `/infer` request: rows of values per input ref. */
export interface InferRequest {
  readonly id?: string;
  readonly rows: number;
  /** Values by input ref, each `rows` long. */
  readonly columns: ReadonlyMap<string, readonly Scalar[]>;
}

/** A validated `/feedback` request. */
export interface FeedbackRequest {
  readonly id: string;
  /** 1 for the positive class. */
  readonly label: 0 | 1;
}

/** Parses a JSON body. */
export function parseJson(body: Buffer): unknown {
  if (body.length === 0) throw new RequestError(400, '(body)', 'is empty; send a JSON object');
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw new RequestError(400, '(body)', `is not valid JSON (${(error as Error).message})`);
  }
}

/** Validates a `/score` body: `{ id?, entities: {joinKey: value}, features?: {input: value} }`. */
export function parseScoreRequest(body: unknown, inputsByName: ReadonlyMap<string, BundleInput>, joinKeys: ReadonlySet<string>): ScoreRequest {
  const object = asObject(body, '(body)');
  rejectUnknown(object, ['id', 'entities', 'features', 'parameters'], '');
  const id = optionalId(object.id, 'id');
  const entities: Record<string, EntityValue> = {};
  if (object.entities !== undefined) {
    for (const [name, value] of Object.entries(asObject(object.entities, 'entities'))) {
      const field = `entities.${name.slice(0, 100)}`;
      if (!joinKeys.has(name)) throw new RequestError(400, field, `is not a join key of this model (expected ${[...joinKeys].sort().join(', ')})`);
      if (typeof value === 'string') {
        if (value.length > MAX_STRING) throw new RequestError(400, field, `is longer than ${MAX_STRING} characters`);
      } else if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
        throw new RequestError(400, field, 'must be a string or an integer');
      }
      entities[name] = value;
    }
  }
  const provided = new Map<string, Scalar>();
  if (object.features !== undefined) {
    for (const [name, value] of Object.entries(asObject(object.features, 'features'))) {
      const input = inputsByName.get(name);
      if (input === undefined) throw new RequestError(400, `features.${name.slice(0, 100)}`, 'is not an input of this model');
      provided.set(input.ref, checkValue(input, value, `features.${name}`));
    }
  }
  return { id, entities, provided };
}

/**
 * Validates an `/infer` body against `inputs`: one tensor per input, named by feature (or ref),
 * with the input's datatype and shape `[rows]` or `[rows, 1]`, every input present.
 */
export function parseInferRequest(body: unknown, inputs: readonly BundleInput[], inputsByName: ReadonlyMap<string, BundleInput>): InferRequest {
  const object = asObject(body, '(body)');
  rejectUnknown(object, ['id', 'inputs', 'outputs', 'parameters'], '');
  const id = optionalId(object.id, 'id');
  if (!Array.isArray(object.inputs) || object.inputs.length === 0) throw new RequestError(400, 'inputs', 'must be a non-empty array of tensors');
  const columns = new Map<string, Scalar[]>();
  let rows = -1;
  object.inputs.forEach((tensor: unknown, index: number) => {
    const at = `inputs[${index}]`;
    const fields = asObject(tensor, at);
    if (typeof fields.name !== 'string') throw new RequestError(400, `${at}.name`, 'must be a string');
    const ref = inputsByName.get(fields.name)?.ref;
    const input = inputs.find((candidate) => candidate.ref === ref);
    if (input === undefined) throw new RequestError(400, `${at}.name`, `'${fields.name.slice(0, 100)}' is not an input of this model version`);
    if (columns.has(input.ref)) throw new RequestError(400, `${at}.name`, `'${fields.name.slice(0, 100)}' is given twice`);
    const expected = V2_DATATYPE[input.dtype];
    if (fields.datatype !== expected) throw new RequestError(400, `${at}.datatype`, `must be ${expected} for ${input.ref} (got ${excerpt(fields.datatype)})`);
    const shape = fields.shape;
    const validShape = Array.isArray(shape) && (shape.length === 1 || (shape.length === 2 && shape[1] === 1)) && Number.isInteger(shape[0]) && shape[0] >= 1;
    if (!validShape) throw new RequestError(400, `${at}.shape`, 'must be [rows] or [rows, 1] with rows >= 1');
    const tensorRows = (shape as number[])[0];
    if (tensorRows > MAX_INFER_ROWS) throw new RequestError(400, `${at}.shape`, `at most ${MAX_INFER_ROWS} rows per request`);
    if (rows !== -1 && tensorRows !== rows) throw new RequestError(400, `${at}.shape`, `has ${tensorRows} rows, other inputs have ${rows}`);
    rows = tensorRows;
    if (!Array.isArray(fields.data)) throw new RequestError(400, `${at}.data`, 'must be an array');
    const data = (fields.data as unknown[]).flat();
    if (data.length !== rows) throw new RequestError(400, `${at}.data`, `has ${data.length} values, the shape says ${rows}`);
    columns.set(input.ref, data.map((value, row) => checkValue(input, value, `${at}.data[${row}]`)));
  });
  const missing = inputs.filter((input) => !columns.has(input.ref));
  if (missing.length > 0) throw new RequestError(400, 'inputs', `missing ${missing.map((input) => input.ref).join(', ')}`);
  return { id, rows, columns };
}

/** Validates a `/feedback` body: `{ id, label }` with label 0/1, a boolean or a class name. */
export function parseFeedbackRequest(body: unknown, classes: readonly [string, string]): FeedbackRequest {
  const object = asObject(body, '(body)');
  rejectUnknown(object, ['id', 'label'], '');
  const id = optionalId(object.id, 'id');
  if (id === undefined) throw new RequestError(400, 'id', 'is required: the id of the prediction the label is for');
  const label = object.label;
  if (label === 1 || label === true || label === classes[1]) return { id, label: 1 };
  if (label === 0 || label === false || label === classes[0]) return { id, label: 0 };
  throw new RequestError(400, 'label', `must be 0, 1, true, false, '${classes[0]}' or '${classes[1]}'`);
}

/** Checks one value against an input's dtype. */
export function checkValue(input: BundleInput, value: unknown, field: string): Scalar {
  switch (input.dtype) {
    case 'float32':
    case 'float64':
      if (typeof value !== 'number' || !Number.isFinite(value)) throw new RequestError(400, field, `must be a finite number (${input.ref} is ${input.dtype})`);
      if (input.dtype === 'float32' && Math.abs(value) > 3.4028234663852886e38) throw new RequestError(400, field, 'is out of float32 range');
      return value;
    case 'int32':
    case 'int64': {
      const max = input.dtype === 'int32' ? 2 ** 31 - 1 : Number.MAX_SAFE_INTEGER;
      if (typeof value !== 'number' || !Number.isInteger(value) || Math.abs(value) > max) throw new RequestError(400, field, `must be an integer (${input.ref} is ${input.dtype})`);
      return value;
    }
    case 'bool':
      if (typeof value !== 'boolean') throw new RequestError(400, field, `must be true or false (${input.ref} is bool)`);
      return value;
    case 'string':
      if (typeof value !== 'string') throw new RequestError(400, field, `must be a string (${input.ref} is string)`);
      if (value.length > MAX_STRING) throw new RequestError(400, field, `is longer than ${MAX_STRING} characters`);
      return value;
  }
}

/**
 * A short, safe description of a value a client sent, for an error message: never serializes
 * more than a few characters, so a value nested 10,000 deep cannot overflow the stack.
 */
export function excerpt(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  return String(value).slice(0, 40);
}

function asObject(value: unknown, field: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new RequestError(400, field, 'must be a JSON object');
  return value as Record<string, unknown>;
}

function rejectUnknown(object: Record<string, unknown>, allowed: readonly string[], prefix: string): void {
  for (const key of Object.keys(object)) {
    if (!allowed.includes(key)) throw new RequestError(400, `${prefix}${key.slice(0, 100)}`, `is not a known field (expected ${allowed.join(', ')})`);
  }
}

function optionalId(value: unknown, field: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.length === 0 || value.length > 256) throw new RequestError(400, field, 'must be a non-empty string of at most 256 characters');
  return value;
}
