/**
 * How a row of feature values becomes the model's input tensor. The trainer and the runtime both
 * call this one function, so that what was trained on is exactly what is served:
 * one float32 tensor `[batch, inputs]` named `input`, columns in the model card's input order;
 * numbers as float32, booleans as 0/1, strings as the index of the value in the feature's
 * `constraints.allowed` list (an unknown or unlisted string, or a string feature without an
 * allowed list, is -1).
 */
import type { FeatureDtype, Scalar } from './catalog.js';

/** The name of the model's single input tensor. */
export const MODEL_INPUT_NAME = 'input';

/** The code of a string that is not one of the feature's allowed categories. */
export const UNKNOWN_CATEGORY = -1;

/** What the encoding needs to know about one input. */
export interface EncodedInputSpec {
  readonly dtype: FeatureDtype;
  /** The feature's `constraints.allowed` values, in declaration order (string features). */
  readonly categories?: readonly Scalar[];
}

/** Writes one row of values into `target` at `offset` (a row has one value per spec). */
export type RowEncoder = (values: readonly Scalar[], target: Float32Array, offset: number) => void;

/** Builds the encoder of rows for `specs` (looks categories up in precomputed maps). */
export function createInputEncoder(specs: readonly EncodedInputSpec[]): RowEncoder {
  const lookups = specs.map((spec) => categoryLookup(spec));
  const width = specs.length;
  return (values, target, offset) => {
    if (values.length !== width) throw new Error(`a row needs ${width} values (got ${values.length})`);
    for (let column = 0; column < width; column += 1) target[offset + column] = encodeWith(lookups[column], values[column]);
  };
}

/** Encodes one value of an input (see the module comment for the rules). */
export function encodeValue(spec: EncodedInputSpec, value: Scalar): number {
  return encodeWith(categoryLookup(spec), value);
}

/** Builds the encoder of one input's values (for column-wise encoding, as the trainer does). */
export function createValueEncoder(spec: EncodedInputSpec): (value: Scalar) => number {
  const lookup = categoryLookup(spec);
  return (value) => encodeWith(lookup, value);
}

/** Encodes rows into one `[rows.length * specs.length]` float32 buffer, row-major. */
export function encodeRows(specs: readonly EncodedInputSpec[], rows: readonly (readonly Scalar[])[]): Float32Array {
  const encode = createInputEncoder(specs);
  const target = new Float32Array(rows.length * specs.length);
  rows.forEach((row, index) => encode(row, target, index * specs.length));
  return target;
}

function categoryLookup(spec: EncodedInputSpec): ReadonlyMap<string, number> {
  const lookup = new Map<string, number>();
  (spec.categories ?? []).forEach((category, index) => {
    const key = String(category);
    if (!lookup.has(key)) lookup.set(key, index);
  });
  return lookup;
}

function encodeWith(lookup: ReadonlyMap<string, number>, value: Scalar): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'boolean') return value ? 1 : 0;
  return lookup.get(value) ?? UNKNOWN_CATEGORY;
}
