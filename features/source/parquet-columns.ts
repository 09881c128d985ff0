/**
 * How a Parquet column's type meets a feature view's declared dtype. Parquet files carry their
 * types, so a column that can never hold the declared dtype (text for a float32 feature) is one
 * schema error before any row is read; values that can vary by row (a null, an int64 past int32,
 * 1.5 in an integer feature) are checked per row with the same rules as a CSV cell.
 */
import type { SchemaElement } from 'hyparquet';
import type { FeatureDtype, Scalar } from '../../core/catalog.js';
import { parseEventTime, type Parsed, parseTyped } from './typed-value.js';

/** What a Parquet column holds once decoded, whatever its physical encoding. */
export type ParquetValueKind = 'string' | 'integer' | 'float' | 'boolean' | 'time';

/** The kinds of column each dtype may be read from (per-row checks do the rest). */
const ACCEPTED_KINDS: Readonly<Record<FeatureDtype, readonly ParquetValueKind[]>> = {
  string: ['string'],
  // pandas writes an integer column with a missing value as DOUBLE: whole values still read.
  int32: ['integer', 'float'],
  int64: ['integer', 'float'],
  float32: ['float', 'integer'],
  float64: ['float', 'integer'],
  // 0/1 labels are usually written as integers.
  bool: ['boolean', 'integer'],
};

/** The kinds of column an event time may be read from; a bare integer has no unit, so it is refused. */
export const EVENT_TIME_KINDS: readonly ParquetValueKind[] = ['time', 'string'];

/** The kind of values `element` decodes to, or `null` when no feature can be read from it. */
export function valueKindOf(element: SchemaElement): ParquetValueKind | null {
  if (element.num_children !== undefined || element.repetition_type === 'REPEATED') return null;
  const logical = element.logical_type?.type;
  const converted = element.converted_type;
  if (logical === 'TIMESTAMP' || logical === 'DATE' || converted === 'TIMESTAMP_MILLIS' || converted === 'TIMESTAMP_MICROS' || converted === 'DATE') return 'time';
  if (element.type === 'INT96' && converted === undefined) return 'time';
  if (logical === 'DECIMAL' || converted === 'DECIMAL' || logical === 'FLOAT16') return 'float';
  if (logical === 'STRING' || logical === 'ENUM' || logical === 'UUID' || converted === 'UTF8' || converted === 'ENUM') return 'string';
  if (logical !== undefined || converted !== undefined) {
    // Integers of any width decode to numbers; every other annotation (TIME, JSON, INTERVAL…) is not a scalar feature.
    return logical === 'INTEGER' || /^U?INT_\d+$/.test(converted ?? '') ? 'integer' : null;
  }
  switch (element.type) {
    case 'BYTE_ARRAY':
      return 'string';
    case 'INT32':
    case 'INT64':
      return 'integer';
    case 'FLOAT':
    case 'DOUBLE':
      return 'float';
    case 'BOOLEAN':
      return 'boolean';
    default:
      return null;
  }
}

/** `element`'s type as a reader of the file's schema would name it, e.g. `INT64 (TIMESTAMP MICROS)`. */
export function describeParquetType(element: SchemaElement): string {
  if (element.num_children !== undefined) return 'a group (nested column)';
  const logical = element.logical_type;
  const annotation = logical === undefined ? element.converted_type : logical.type === 'TIMESTAMP' ? `TIMESTAMP ${logical.unit}` : logical.type;
  const repeated = element.repetition_type === 'REPEATED' ? 'repeated ' : '';
  return `${repeated}${element.type ?? 'untyped'}${annotation === undefined ? '' : ` (${annotation})`}`;
}

/** Why a column of `element`'s type cannot feed `dtype`, or `null` when it can. */
export function kindMismatch(element: SchemaElement, dtype: FeatureDtype | 'event time'): string | null {
  const kind = valueKindOf(element);
  const accepted = dtype === 'event time' ? EVENT_TIME_KINDS : ACCEPTED_KINDS[dtype];
  if (kind !== null && accepted.includes(kind)) return null;
  return `column '${element.name}' is ${describeParquetType(element)}; ${dtype === 'event time' ? 'an event time' : dtype} needs ${accepted.map(describeKind).join(' or ')}`;
}

/** Parses one decoded Parquet value into `dtype`, as `parseTyped` parses a CSV cell (null is an empty cell). */
export function parseParquetValue(dtype: FeatureDtype, raw: unknown): Parsed<Scalar> {
  if (typeof raw === 'bigint') {
    const value = Number(raw);
    if (!Number.isSafeInteger(value)) return { ok: false, problem: `${raw} is too large to read exactly (beyond ±2^53)` };
    return parseTyped(dtype, value);
  }
  if (typeof raw === 'number' && !Number.isFinite(raw)) return { ok: false, problem: `expected a finite number, got ${raw}` };
  return parseTyped(dtype, raw);
}

/** Parses one decoded event time (a `Date` from TIMESTAMP, INT96 or DATE; or ISO 8601 text) to epoch ms. */
export function parseParquetEventTime(raw: unknown): Parsed<number> {
  if (raw === null || raw === undefined) return { ok: false, problem: 'is missing' };
  if (raw instanceof Date) {
    const ms = raw.getTime();
    return Number.isNaN(ms) ? { ok: false, problem: 'is not a valid time' } : { ok: true, value: ms };
  }
  return parseEventTime(raw);
}

function describeKind(kind: ParquetValueKind): string {
  switch (kind) {
    case 'string':
      return 'a STRING (UTF8) column';
    case 'integer':
      return 'an INT32 or INT64 column';
    case 'float':
      return 'a FLOAT, DOUBLE or DECIMAL column';
    case 'boolean':
      return 'a BOOLEAN column';
    case 'time':
      return 'a TIMESTAMP, INT96 or DATE column';
  }
}
