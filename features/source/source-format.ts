/** The formats of offline sources, how a file's format is told, and how a row's place is written in messages. */
import type { FeatureView } from '../../core/catalog.js';

/** Formats the offline sources may have. */
export type SourceFormat = FeatureView['source']['format'];

/** The formats read line by line. */
export type TextFormat = Exclude<SourceFormat, 'parquet'>;

/** Where a row is, for messages: `file:12` for a line, `file:row 12` for a Parquet row. */
export function rowLocation(file: string, format: SourceFormat, line: number): string {
  return format === 'parquet' ? `${file}:row ${line}` : `${file}:${line}`;
}

/** The format of a file given on the command line (`--data`), by its extension; CSV otherwise. */
export function formatOfDataFile(file: string): SourceFormat {
  if (file.endsWith('.jsonl')) return 'jsonl';
  return file.endsWith('.parquet') ? 'parquet' : 'csv';
}
