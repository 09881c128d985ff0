/**
 * The reference profile drift is measured against, in the model card's `referenceProfile` shape:
 * quantile bins for numeric inputs, frequencies for categories and booleans, and the score
 * histogram. Binning is `core/statistics/binning.ts`, the same the runtime's drift windows use.
 */
import type { Distribution, ModelInput, ReferenceProfile, Scalar } from '../core/catalog.js';
import { driftInputType } from '../core/drift-decision.js';
import { histogram, quantileEdges, toFractions } from '../core/statistics/binning.js';

/** Quantile bins per numeric input and for the score. */
export const PROFILE_BINS = 10;

/** Profiles `raw[input][row]` (training rows) and `scores` (held-out predictions). */
export function referenceProfile(inputs: readonly ModelInput[], raw: readonly (readonly Scalar[])[], scores: ArrayLike<number>): ReferenceProfile {
  const profile: Record<string, Distribution> = {};
  inputs.forEach((input, i) => {
    profile[input.ref] = driftInputType(input.dtype) === 'categorical' ? categorical(raw[i]) : numeric(raw[i] as readonly number[]);
  });
  return { rows: raw[0]?.length ?? 0, inputs: profile, score: numeric(Array.from(scores)) };
}

function numeric(values: readonly number[]): Distribution {
  const edges = quantileEdges(values, PROFILE_BINS).map(round);
  // Rounding may merge neighbouring edges; keep them strictly increasing as the schema demands.
  const strict = edges.filter((edge, i) => i === 0 || edge > edges[i - 1]);
  if (strict.length < 2) strict.push(strict[0] + 1);
  return { type: 'numeric', edges: strict, fractions: toFractions(histogram(strict, values)).map(round) };
}

function categorical(values: readonly Scalar[]): Distribution {
  const counts = new Map<string, number>();
  for (const value of values) counts.set(String(value), (counts.get(String(value)) ?? 0) + 1);
  const frequencies: Record<string, number> = {};
  for (const key of [...counts.keys()].sort()) frequencies[key] = round((counts.get(key) ?? 0) / values.length);
  return { type: 'categorical', frequencies };
}

function round(value: number): number {
  return Number(value.toPrecision(6));
}
