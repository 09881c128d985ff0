/**
 * The drift statistics a DriftPolicy can name, one registration each, all computed from a
 * reference profile's bin shares and a window's counts per bin (`./drift-bins.ts`). The
 * controller, the drift bench and the tests of the rendered recording rules call these; the
 * recording rules are the same formulas in PromQL (`generators/drift-rules.ts`).
 */
import type { DriftLevels } from '../catalog.js';
import { chiSquaredTest } from './chi-squared.js';
import { ksTest } from './ks.js';
import { psi } from './psi.js';

/** A statistic's name, as the policy spells it. */
export type DriftStatisticName = DriftLevels['statistic'];

/** One statistic: 0 means "the window looks like the reference", higher means more drift. */
export interface DriftStatistic {
  readonly name: DriftStatisticName;
  /** How reviewers read it in PR evidence and alert text. */
  readonly title: string;
  /**
   * The statistic of `observed` (counts per bin) against `reference` (the profile's shares per
   * bin, from a sample of `referenceRows`); both in the bins' order.
   */
  measure(reference: readonly number[], observed: readonly number[], referenceRows: number): number;
}

const PSI: DriftStatistic = {
  name: 'psi',
  title: 'PSI',
  measure: (reference, observed) => psi(reference, observed),
};

const KS: DriftStatistic = {
  name: 'ks',
  title: 'KS',
  measure: (reference, observed, referenceRows) => ksTest(reference, observed, referenceRows, sum(observed)).statistic,
};

// The reference side of the 2×k table is the profile's sample: its shares times its rows.
const CHI_SQUARED: DriftStatistic = {
  name: 'chi-squared',
  title: "Cramér's V",
  measure: (reference, observed, referenceRows) => chiSquaredTest(referenceCounts(reference, referenceRows), observed).cramersV,
};

/** Every statistic by name. */
export const DRIFT_STATISTICS: Readonly<Record<DriftStatisticName, DriftStatistic>> = { psi: PSI, ks: KS, 'chi-squared': CHI_SQUARED };

/** The reference's counts per bin as the chi-squared test sees them. */
export function referenceCounts(reference: readonly number[], referenceRows: number): number[] {
  return reference.map((share) => share * referenceRows);
}

function sum(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0);
}
