/**
 * How a model input's typed value becomes the float32 the ONNX artifact reads. The trainer encodes
 * its training rows with this and the runtime encodes served features with it: one definition, so
 * training and serving cannot disagree (seed 001: zero training-serving skew).
 */
import type { FeatureDtype, Scalar } from './catalog.js';

/** What the encoding needs to know about an input (a `BundleInput` satisfies it). */
export interface EncodableInput {
  readonly dtype: FeatureDtype;
  /** For strings: the feature's `constraints.allowed`, in order. */
  readonly categories?: readonly string[];
}

/** The code of a category the model never saw (or of a string feature without `allowed`). */
export const UNKNOWN_CATEGORY = -1;

/** Encodes one value: strings by their index in `categories` (unknown → -1), booleans as 1/0, numbers as float32. */
export function encodeModelInput(input: EncodableInput, value: Scalar): number {
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'string') {
    if (input.dtype !== 'string') {
      // A numeric feature arriving as text (a JSON body, a CSV cell) is read as its number.
      const parsed = Number(value);
      return value.trim() === '' || Number.isNaN(parsed) ? Number.NaN : Math.fround(parsed);
    }
    const index = input.categories?.indexOf(value) ?? -1;
    return index === -1 ? UNKNOWN_CATEGORY : index;
  }
  return Math.fround(value);
}
