/**
 * Typed rows out of a Parquet file, one row group at a time: the footer is read once, its schema
 * is checked against the columns asked for, and each row group's columns are then read and
 * decompressed on their own (snappy, gzip, zstd, brotli, lz4), so memory follows the largest row
 * group, never the file. Rows are numbered from 1 in file order, as a spreadsheet shows them.
 */
import { type AsyncBuffer, asyncBufferFromFile, type FileMetaData, parquetMetadataAsync, parquetScan, parquetSchema, type SchemaElement } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { kindMismatch, parseParquetEventTime, parseParquetValue } from './parquet-columns.js';
import { type BadRow, type RowSchema, SourceSchemaError, type TypedRow, typedRow } from './row-decoder.js';

/** One row group: rows `[rowStart, rowEnd)` (0-based) and its compressed size, for progress. */
export interface ParquetRowGroup {
  readonly index: number;
  readonly rowStart: number;
  readonly rowEnd: number;
  readonly bytes: number;
}

/** An opened Parquet source whose schema fits the columns asked for. */
export interface ParquetSource {
  readonly rowGroups: readonly ParquetRowGroup[];
  /** The rows of one group, parsed or bad, in file order. */
  readRowGroup(group: ParquetRowGroup): Promise<(TypedRow | BadRow)[]>;
}

/** Opens the Parquet file at `file`; a file that is not Parquet or lacks a column throws `SourceSchemaError`. */
export async function openParquetFile(file: string, schema: RowSchema): Promise<ParquetSource> {
  return openParquetSource(await asyncBufferFromFile(file), schema);
}

/** Opens Parquet bytes behind `buffer` (read lazily, range by range). */
export async function openParquetSource(buffer: AsyncBuffer, schema: RowSchema): Promise<ParquetSource> {
  const metadata = await readFooter(buffer);
  const names = [...new Set([schema.timestampField, ...schema.columns.map((column) => column.name)])];
  checkColumns(metadata, schema);
  const scan = await parquetScan({ file: buffer, metadata, columns: names, compressors });
  const rowGroups = rowGroupsOf(metadata);
  return {
    rowGroups,
    async readRowGroup(group) {
      const data = await Promise.all(names.map((column) => scan.readColumn({ column, rowStart: group.rowStart, rowEnd: group.rowEnd })));
      const byName = new Map(names.map((name, i) => [name, data[i]]));
      const times = byName.get(schema.timestampField)!;
      const cells = schema.columns.map((column) => byName.get(column.name)!);
      const rows: (TypedRow | BadRow)[] = new Array(group.rowEnd - group.rowStart);
      for (let r = 0; r < rows.length; r++) {
        rows[r] = typedRow(schema, group.rowStart + r + 1, parseParquetEventTime(times[r]), (c) => parseParquetValue(schema.columns[c].dtype, cells[c][r]));
      }
      return rows;
    },
  };
}

async function readFooter(buffer: AsyncBuffer): Promise<FileMetaData> {
  try {
    return await parquetMetadataAsync(buffer);
  } catch (error) {
    throw new SourceSchemaError(`not a readable Parquet file (${(error as Error).message})`);
  }
}

function checkColumns(metadata: FileMetaData, schema: RowSchema): void {
  const top = new Map<string, SchemaElement>(parquetSchema(metadata).children.map((child) => [child.element.name, child.element]));
  const elementOf = (name: string) => {
    const element = top.get(name);
    if (element === undefined) throw new SourceSchemaError(`the Parquet schema has no column '${name}' (columns: ${[...top.keys()].join(', ')})`);
    return element;
  };
  const problems = [kindMismatch(elementOf(schema.timestampField), 'event time'), ...schema.columns.map((column) => kindMismatch(elementOf(column.name), column.dtype))];
  const found = problems.filter((problem) => problem !== null);
  if (found.length > 0) throw new SourceSchemaError(found.join('; '));
}

function rowGroupsOf(metadata: FileMetaData): ParquetRowGroup[] {
  let rowStart = 0;
  return metadata.row_groups.map((group, index) => {
    const rows = Number(group.num_rows);
    const bytes = Number(group.total_compressed_size ?? group.columns.reduce((sum, column) => sum + (column.meta_data?.total_compressed_size ?? 0n), 0n));
    const range = { index, rowStart, rowEnd: rowStart + rows, bytes };
    rowStart += rows;
    return range;
  });
}
