/**
 * Turns one line of an offline source (CSV or JSON Lines) into typed values for the columns a
 * caller asked for. Shared by the streaming reader and the materializer's workers, so a row means
 * the same thing everywhere. A row with any bad column is rejected whole; Parquet rows go through
 * the same `typedRow`.
 */
import type { FeatureDtype, Scalar } from '../../core/catalog.js';
import { CsvSyntaxError, parseCsvLine } from './csv.js';
import type { TextFormat } from './source-format.js';
import { parseEventTime, type Parsed, parseTyped } from './typed-value.js';


/** A column to read, and the dtype its values must have. */
export interface ColumnSpec {
  readonly name: string;
  readonly dtype: FeatureDtype;
}

/** What to read from each row. */
export interface RowSchema {
  readonly timestampField: string;
  readonly columns: readonly ColumnSpec[];
}

/** A row that parsed: its event time and its values in `RowSchema.columns` order. `line` is the 1-based line (CSV, JSON Lines) or row (Parquet). */
export interface TypedRow {
  readonly line: number;
  readonly eventMs: number;
  readonly values: Scalar[];
}

/** A row that did not parse, and why (naming the column). */
export interface BadRow {
  readonly line: number;
  readonly problem: string;
}

/** The header (or Parquet schema) does not have a column the schema needs: the whole source is unusable. */
export class SourceSchemaError extends Error {
  override readonly name = 'SourceSchemaError';

  /** `line` is where the problem is (the CSV header's line 1), when it is on a line. */
  constructor(
    message: string,
    readonly line?: number,
  ) {
    super(message);
  }
}


/** Decodes lines of one source; built from the CSV header line (or nothing for JSON Lines). */
export interface RowDecoder {
  decode(text: string, line: number): TypedRow | BadRow;
}

/** A decoder for `format`; for CSV `header` is the first line of the file. */
export function createRowDecoder(format: TextFormat, schema: RowSchema, header?: string): RowDecoder {
  return format === 'csv' ? csvDecoder(schema, header ?? '') : jsonlDecoder(schema);
}

/** True when `decoded` is a bad row. */
export function isBadRow(decoded: TypedRow | BadRow): decoded is BadRow {
  return 'problem' in decoded;
}

function csvDecoder(schema: RowSchema, header: string): RowDecoder {
  const names = parseCsvLine(header).map((name) => name.trim());
  const indexOf = (name: string) => {
    const index = names.indexOf(name);
    if (index === -1) throw new SourceSchemaError(`the header has no column '${name}' (columns: ${names.join(', ')})`, 1);
    return index;
  };
  const timeIndex = indexOf(schema.timestampField);
  const indices = schema.columns.map((column) => indexOf(column.name));
  return {
    decode(text, line) {
      let cells: string[];
      try {
        cells = parseCsvLine(text);
      } catch (error) {
        if (error instanceof CsvSyntaxError) return { line, problem: error.message };
        throw error;
      }
      if (cells.length !== names.length) return { line, problem: `expected ${names.length} columns, found ${cells.length}` };
      return typedRow(schema, line, parseEventTime(cells[timeIndex]), (i) => parseTyped(schema.columns[i].dtype, cells[indices[i]]));
    },
  };
}

function jsonlDecoder(schema: RowSchema): RowDecoder {
  return {
    decode(text, line) {
      let record: unknown;
      try {
        record = JSON.parse(text);
      } catch (error) {
        return { line, problem: `not JSON: ${(error as Error).message}` };
      }
      if (record === null || typeof record !== 'object' || Array.isArray(record)) return { line, problem: 'expected a JSON object' };
      const fields = record as Record<string, unknown>;
      return typedRow(schema, line, parseEventTime(fields[schema.timestampField]), (i) => parseTyped(schema.columns[i].dtype, fields[schema.columns[i].name]));
    },
  };
}

/** A row from its parsed event time and a parser of each column's cell; the first bad column names the row's problem. */
export function typedRow(schema: RowSchema, line: number, time: Parsed<number>, cell: (index: number) => Parsed<Scalar>): TypedRow | BadRow {
  if (!time.ok) return { line, problem: `${schema.timestampField}: ${time.problem}` };
  const values: Scalar[] = new Array(schema.columns.length);
  for (let i = 0; i < schema.columns.length; i++) {
    const parsed = cell(i);
    if (!parsed.ok) return { line, problem: `${schema.columns[i].name}: ${parsed.problem}` };
    values[i] = parsed.value;
  }
  return { line, eventMs: time.value, values };
}
