/** Which rows belong to a model card's slice: every `where` condition holds on the row's raw inputs. */
import type { ModelInput, Scalar, SliceFilter } from '../core/catalog.js';

/** Row indices of `rows` rows matching all `filters`. */
export function sliceRows(filters: readonly SliceFilter[], inputs: readonly ModelInput[], raw: readonly (readonly Scalar[])[], rows: number): number[] {
  const checks = filters.map((filter) => {
    const column = raw[inputs.findIndex((input) => input.ref === filter.input)];
    if (column === undefined) throw new Error(`slice filter input '${filter.input}' is not an input of the model`);
    return (row: number) => {
      const value = column[row];
      if (filter.equals !== undefined && value !== filter.equals) return false;
      if (filter.in !== undefined && !filter.in.includes(value)) return false;
      if (filter.min !== undefined && !(typeof value === 'number' && value >= filter.min)) return false;
      if (filter.max !== undefined && !(typeof value === 'number' && value < filter.max)) return false;
      return true;
    };
  });
  const selected: number[] = [];
  for (let row = 0; row < rows; row++) if (checks.every((check) => check(row))) selected.push(row);
  return selected;
}
