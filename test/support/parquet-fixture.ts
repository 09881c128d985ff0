/**
 * Parquet files for tests and benches, written at run time by a real writer (`hyparquet-writer`:
 * no pyarrow or fastparquet exists on these machines, and no opaque binary is committed). It
 * writes what pyarrow writes for a pandas frame: dictionary-encoded strings where they repeat,
 * snappy pages by default, several row groups, OPTIONAL (nullable) columns and INT64 timestamps
 * with a unit. Other codecs use Node's own zlib compressors, so the reader's decompressors meet
 * bytes they did not produce.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { brotliCompressSync, gzipSync } from 'node:zlib';
// The writer's own copy of hyparquet's types: its schema elements are what it accepts.
import { type ColumnSource, ParquetWriter, type SchemaElement } from 'hyparquet-writer';
import { fileWriter } from 'hyparquet-writer/src/node.js';
import { generateTransactions, type GenerateOptions } from '../../features/generate.js';

/** Codecs a fixture may use. */
export type FixtureCodec = 'SNAPPY' | 'GZIP' | 'BROTLI' | 'UNCOMPRESSED';

/** How a fixture is laid out. */
export interface ParquetLayout {
  /** Rows per row group. Default 1,000. */
  readonly rowGroupSize?: number;
  /** Default `SNAPPY`. */
  readonly codec?: FixtureCodec;
}

/** One column: its schema element (name, physical and logical type, nullability) and values. */
export interface FixtureColumn {
  readonly element: SchemaElement;
  readonly data: readonly unknown[];
}

const COMPRESSORS = {
  GZIP: (input: Uint8Array) => new Uint8Array(gzipSync(input)),
  BROTLI: (input: Uint8Array) => new Uint8Array(brotliCompressSync(input)),
};

/** Writes `columns` to `file` as Parquet. */
export async function writeParquet(file: string, columns: readonly FixtureColumn[], layout: ParquetLayout = {}): Promise<void> {
  const writer = openWriter(file, columns.map((column) => column.element), layout);
  await writer.write({ columnData: columns.map(columnSource), rowGroupSize: layout.rowGroupSize ?? 1_000 });
  writer.finish();
}

/** A nullable (OPTIONAL) column of `type`, with an optional logical or converted type. */
export function column(name: string, type: SchemaElement['type'], data: readonly unknown[], annotation: Partial<SchemaElement> = {}): FixtureColumn {
  return { element: { name, type, repetition_type: 'OPTIONAL', ...annotation }, data };
}

/** The schema pyarrow writes for the example's transactions frame (strings, int64, float64, bool, TIMESTAMP(MICROS, UTC)). */
export const TRANSACTION_SCHEMA: readonly SchemaElement[] = [
  { name: 'transaction_id', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
  { name: 'user_id', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
  { name: 'event_time', type: 'INT64', logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MICROS' }, repetition_type: 'OPTIONAL' },
  { name: 'amount', type: 'DOUBLE', repetition_type: 'OPTIONAL' },
  { name: 'transaction_hour', type: 'INT64', repetition_type: 'OPTIONAL' },
  { name: 'merchant_category', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
  { name: 'foreign_transaction', type: 'BOOLEAN', repetition_type: 'OPTIONAL' },
  { name: 'location_mismatch', type: 'BOOLEAN', repetition_type: 'OPTIONAL' },
  { name: 'device_trust_score', type: 'DOUBLE', repetition_type: 'OPTIONAL' },
  { name: 'velocity_last_24h', type: 'INT64', repetition_type: 'OPTIONAL' },
  { name: 'cardholder_age', type: 'INT64', repetition_type: 'OPTIONAL' },
  // pandas keeps a 0/1 label as int64.
  { name: 'is_fraud', type: 'INT64', repetition_type: 'OPTIONAL' },
];

/**
 * Writes the same seeded transactions as `writeTransactionsCsv` (values rounded as the CSV
 * prints them), one row group at a time so that millions of rows never sit in memory at once.
 */
export async function writeTransactionsParquet(file: string, options: GenerateOptions = {}, layout: ParquetLayout = {}): Promise<{ file: string; rows: number }> {
  const rowGroupSize = layout.rowGroupSize ?? 100_000;
  const writer = openWriter(file, TRANSACTION_SCHEMA, layout);
  let batch: unknown[][] = TRANSACTION_SCHEMA.map(() => []);
  let rows = 0;
  const flush = async () => {
    if (batch[0].length === 0) return;
    await writer.write({ columnData: TRANSACTION_SCHEMA.map((element, i) => columnSource({ element, data: batch[i] })), rowGroupSize });
    batch = TRANSACTION_SCHEMA.map(() => []);
  };
  for (const t of generateTransactions(options)) {
    const values = [t.transactionId, t.userId, new Date(t.eventMs), Number(t.amount.toFixed(2)), BigInt(t.hour), t.merchant, t.foreign, t.locationMismatch, Number(t.deviceTrust.toFixed(1)), BigInt(t.velocity), BigInt(t.age), t.fraud ? 1n : 0n];
    values.forEach((value, i) => batch[i].push(value));
    rows += 1;
    if (batch[0].length === rowGroupSize) await flush();
  }
  await flush();
  writer.finish();
  return { file, rows };
}

function openWriter(file: string, elements: readonly SchemaElement[], layout: ParquetLayout): ParquetWriter {
  const schema: SchemaElement[] = [{ name: 'root', num_children: elements.length }, ...elements];
  return new ParquetWriter({ writer: fileWriter(file), schema, codec: layout.codec ?? 'SNAPPY', compressors: COMPRESSORS });
}

function columnSource(column: FixtureColumn): ColumnSource {
  return { name: column.element.name, data: [...column.data] as ColumnSource['data'], nullable: column.element.repetition_type !== 'REQUIRED' };
}

/**
 * Spark's and Impala's legacy timestamp as they write it: INT96, 12 bytes per value (nanoseconds
 * of the day as int64 little-endian, then the Julian day as int32 little-endian), plain-encoded.
 * No writer here emits INT96, so the column is written as FIXED_LEN_BYTE_ARRAY(12), whose plain
 * encoding is the same bytes, and the footer's type is then changed to INT96: in Thrift's compact
 * protocol that is the byte pair 0x15 0x0E (field 1, i32 7) becoming 0x15 0x06 (i32 3), in the
 * schema element and in the column chunk's metadata.
 */
export async function writeInt96Parquet(file: string, name: string, times: readonly Date[], others: readonly FixtureColumn[]): Promise<void> {
  const int96 = column(name, 'FIXED_LEN_BYTE_ARRAY', times.map(int96Bytes), { type_length: 12 });
  await writeParquet(file, [int96, ...others], { codec: 'UNCOMPRESSED' });
  const bytes = await readFile(file);
  const footerLength = bytes.readUInt32LE(bytes.length - 8);
  const footerStart = bytes.length - 8 - footerLength;
  let patched = 0;
  for (let at = footerStart; at < bytes.length - 9; at++) {
    if (bytes[at] === 0x15 && bytes[at + 1] === 0x0e) {
      bytes[at + 1] = 0x06;
      patched++;
    }
  }
  if (patched !== 2) throw new Error(`expected to retype 2 footer fields to INT96, found ${patched}: keep the other columns free of FIXED_LEN_BYTE_ARRAY`);
  await writeFile(file, bytes);
}

const JULIAN_DAY_OF_UNIX_EPOCH = 2_440_588;
const MS_PER_DAY = 86_400_000;

function int96Bytes(time: Date): Uint8Array {
  const ms = time.getTime();
  const day = Math.floor(ms / MS_PER_DAY);
  const bytes = new Uint8Array(12);
  const view = new DataView(bytes.buffer);
  view.setBigInt64(0, BigInt(ms - day * MS_PER_DAY) * 1_000_000n, true);
  view.setInt32(8, day + JULIAN_DAY_OF_UNIX_EPOCH, true);
  return bytes;
}
