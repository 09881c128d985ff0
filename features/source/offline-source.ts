/** Streams typed rows out of an offline source file, reporting malformed rows by line (or Parquet row) number. */
import { access } from 'node:fs/promises';
import { readLines } from './lines.js';
import { openParquetFile } from './parquet-source.js';
import { type BadRow, createRowDecoder, isBadRow, type RowDecoder, type RowSchema, SourceSchemaError, type TypedRow } from './row-decoder.js';
import { rowLocation, type SourceFormat, type TextFormat } from './source-format.js';

/** What to do with a malformed row. */
export type OnBadRow = 'skip' | 'fail';

/** A malformed row under `--on-bad-row fail`, or a source that cannot be read. */
export class SourceError extends Error {
  override readonly name = 'SourceError';
}

/** Options for reading a source. */
export interface ReadOptions {
  /** Default `fail`. */
  readonly onBadRow?: OnBadRow;
  /** Called for every skipped row (under `skip`). */
  readonly onSkip?: (bad: BadRow) => void;
}

/** Yields the typed rows of `file`; a bad row is skipped or throws `SourceError` naming file and line (or row). */
export async function* readTypedRows(file: string, format: SourceFormat, schema: RowSchema, options: ReadOptions = {}): AsyncGenerator<TypedRow> {
  await access(file).catch(() => {
    throw new SourceError(`${file}: no such file (generate it with 'slipway data generate')`);
  });
  const onBadRow = options.onBadRow ?? 'fail';
  const decoded = format === 'parquet' ? parquetRows(file, schema) : textRows(file, format, schema);
  for await (const row of decoded) {
    if (!isBadRow(row)) {
      yield row;
      continue;
    }
    if (onBadRow === 'fail') throw new SourceError(`${rowLocation(file, format, row.line)}: ${row.problem}`);
    options.onSkip?.(row);
  }
}

/** `SourceError` for a source whose header or schema cannot serve `schema`. */
export function sourceSchemaError(file: string, error: SourceSchemaError): SourceError {
  return new SourceError(error.line === undefined ? `${file}: ${error.message}` : `${file}:line ${error.line}: ${error.message}`);
}

async function* textRows(file: string, format: TextFormat, schema: RowSchema): AsyncGenerator<TypedRow | BadRow> {
  let decoder: RowDecoder | null = format === 'jsonl' ? createRowDecoder('jsonl', schema) : null;
  for await (const { line, text } of readLines(file)) {
    if (decoder === null) {
      decoder = decoderOrThrow(file, () => createRowDecoder('csv', schema, text));
      continue;
    }
    if (text.trim() === '') continue;
    yield decoder.decode(text, line);
  }
}

async function* parquetRows(file: string, schema: RowSchema): AsyncGenerator<TypedRow | BadRow> {
  const source = await openParquetFile(file, schema).catch((error: Error) => {
    throw error instanceof SourceSchemaError ? sourceSchemaError(file, error) : error;
  });
  // One row group decoded at a time: the next is read only when this one's rows are consumed.
  for (const group of source.rowGroups) yield* await source.readRowGroup(group);
}

function decoderOrThrow(file: string, create: () => RowDecoder): RowDecoder {
  try {
    return create();
  } catch (error) {
    if (error instanceof SourceSchemaError) throw sourceSchemaError(file, error);
    throw error;
  }
}
