/** Streams typed rows out of an offline source file, reporting malformed rows by line number. */
import { access } from 'node:fs/promises';
import { readLines } from './lines.js';
import { type BadRow, createRowDecoder, isBadRow, type RowDecoder, type RowSchema, type SourceFormat, type TypedRow } from './row-decoder.js';

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

/** Yields the typed rows of `file`; a bad row is skipped or throws `SourceError` naming file and line. */
export async function* readTypedRows(file: string, format: SourceFormat, schema: RowSchema, options: ReadOptions = {}): AsyncGenerator<TypedRow> {
  await access(file).catch(() => {
    throw new SourceError(`${file}: no such file (generate it with 'slipway data generate')`);
  });
  const onBadRow = options.onBadRow ?? 'fail';
  let decoder: RowDecoder | null = format === 'jsonl' ? createRowDecoder('jsonl', schema) : null;
  for await (const { line, text } of readLines(file)) {
    if (decoder === null) {
      try {
        decoder = createRowDecoder('csv', schema, text);
      } catch (error) {
        throw new SourceError(`${file}:${(error as Error).message}`);
      }
      continue;
    }
    if (text.trim() === '') continue;
    const decoded = decoder.decode(text, line);
    if (isBadRow(decoded)) {
      if (onBadRow === 'fail') throw new SourceError(`${file}:${decoded.line}: ${decoded.problem}`);
      options.onSkip?.(decoded);
      continue;
    }
    yield decoded;
  }
}
