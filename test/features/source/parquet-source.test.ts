/** Parquet sources: every type a feature view declares, timestamps in every unit, codecs, row groups read one at a time, bad rows by row number. */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type AsyncBuffer, asyncBufferFromFile, parquetMetadata } from 'hyparquet';
import { readTypedRows, SourceError } from '../../../features/source/offline-source.js';
import { valueKindOf } from '../../../features/source/parquet-columns.js';
import { openParquetSource } from '../../../features/source/parquet-source.js';
import type { BadRow, RowSchema, TypedRow } from '../../../features/source/row-decoder.js';
import { column, type FixtureCodec, type FixtureColumn, writeParquet } from '../../support/parquet-fixture.js';

const schema: RowSchema = {
  timestampField: 'event_time',
  columns: [
    { name: 'user_id', dtype: 'string' },
    { name: 'amount', dtype: 'float32' },
    { name: 'velocity', dtype: 'int32' },
    { name: 'foreign', dtype: 'bool' },
  ],
};

const T0 = Date.UTC(2024, 6, 1, 9, 30);
const MICROS = { logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MICROS' } } as const;

/** `n` rows as pandas would write them: repeating user ids (dictionary pages), int64, float64, bool, TIMESTAMP(MICROS). */
function transactions(n: number, overrides: Partial<Record<'user_id' | 'amount' | 'velocity' | 'foreign' | 'event_time', FixtureColumn>> = {}): FixtureColumn[] {
  const base: Record<string, FixtureColumn> = {
    user_id: column('user_id', 'BYTE_ARRAY', Array.from({ length: n }, (_, i) => `u${i % 7}`), { converted_type: 'UTF8' }),
    event_time: column('event_time', 'INT64', Array.from({ length: n }, (_, i) => new Date(T0 + i * 1000)), MICROS),
    amount: column('amount', 'DOUBLE', Array.from({ length: n }, (_, i) => i + 0.5)),
    velocity: column('velocity', 'INT64', Array.from({ length: n }, (_, i) => BigInt(i % 5))),
    foreign: column('foreign', 'BOOLEAN', Array.from({ length: n }, (_, i) => i % 2 === 0)),
  };
  return Object.entries({ ...base, ...overrides }).map(([, value]) => value);
}

describe('Parquet sources', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'slipway-parquet-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  const write = async (name: string, columns: FixtureColumn[], layout: { rowGroupSize?: number; codec?: FixtureCodec } = {}) => {
    const file = path.join(dir, name);
    await writeParquet(file, columns, layout);
    return file;
  };
  const collect = async (file: string, onBadRow: 'skip' | 'fail' = 'skip', rowSchema: RowSchema = schema) => {
    const rows: TypedRow[] = [];
    const bad: BadRow[] = [];
    for await (const row of readTypedRows(file, 'parquet', rowSchema, { onBadRow, onSkip: (b) => bad.push(b) })) rows.push(row);
    return { rows, bad };
  };

  it('reads each declared dtype from the Parquet types writers use, numbering rows from 1', async () => {
    const file = await write('types.parquet', [
      column('event_time', 'INT64', [new Date(T0), new Date(T0 + 1000)], MICROS),
      column('name', 'BYTE_ARRAY', ['Travel', 'Grocery'], { converted_type: 'UTF8' }),
      column('small', 'INT32', [7, -3]),
      column('big', 'INT64', [2n ** 40n, -5n]),
      column('single', 'FLOAT', [1.5, 0.25]),
      column('double', 'DOUBLE', [0.1, 1e10]),
      column('flag', 'BOOLEAN', [true, false]),
      column('label', 'INT64', [1n, 0n]),
      column('narrow', 'INT64', [12n, 23n]),
      column('whole', 'DOUBLE', [3, 4]),
    ]);
    const { rows, bad } = await collect(file, 'fail', {
      timestampField: 'event_time',
      columns: [
        { name: 'name', dtype: 'string' },
        { name: 'small', dtype: 'int32' },
        { name: 'big', dtype: 'int64' },
        { name: 'single', dtype: 'float32' },
        { name: 'double', dtype: 'float64' },
        { name: 'flag', dtype: 'bool' },
        { name: 'label', dtype: 'bool' },
        { name: 'narrow', dtype: 'int32' },
        { name: 'whole', dtype: 'int64' },
      ],
    });
    assert.deepEqual(bad, []);
    assert.deepEqual(rows, [
      { line: 1, eventMs: T0, values: ['Travel', 7, 2 ** 40, 1.5, 0.1, true, true, 12, 3] },
      { line: 2, eventMs: T0 + 1000, values: ['Grocery', -3, -5, 0.25, 1e10, false, false, 23, 4] },
    ]);
  });

  it('reads event times from TIMESTAMP in every unit, the legacy converted types, DATE and ISO 8601 text', async () => {
    const moment = new Date(Date.UTC(2024, 6, 1, 9, 30, 15, 250));
    const day = new Date(Date.UTC(2024, 6, 1));
    const cases: { name: string; time: FixtureColumn; expected: number }[] = [
      { name: 'millis', time: column('event_time', 'INT64', [moment], { logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MILLIS' } }), expected: moment.getTime() },
      { name: 'micros', time: column('event_time', 'INT64', [moment], MICROS), expected: moment.getTime() },
      { name: 'nanos', time: column('event_time', 'INT64', [moment], { logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'NANOS' } }), expected: moment.getTime() },
      // pandas' zone-less datetime64 is written with isAdjustedToUTC false; Feast reads it as UTC, and so do we.
      { name: 'naive', time: column('event_time', 'INT64', [moment], { logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: false, unit: 'MICROS' } }), expected: moment.getTime() },
      { name: 'converted-millis', time: column('event_time', 'INT64', [moment], { converted_type: 'TIMESTAMP_MILLIS' }), expected: moment.getTime() },
      { name: 'converted-micros', time: column('event_time', 'INT64', [moment], { converted_type: 'TIMESTAMP_MICROS' }), expected: moment.getTime() },
      { name: 'date', time: column('event_time', 'INT32', [day], { converted_type: 'DATE' }), expected: day.getTime() },
      { name: 'text', time: column('event_time', 'BYTE_ARRAY', ['2024-07-01T11:30:15.250+02:00'], { converted_type: 'UTF8' }), expected: moment.getTime() },
    ];
    for (const { name, time, expected } of cases) {
      const file = await write(`time-${name}.parquet`, transactions(1, { event_time: time }));
      const { rows, bad } = await collect(file, 'fail');
      assert.deepEqual(bad, [], name);
      assert.equal(rows[0]?.eventMs, expected, name);
    }
    // INT96 (Spark's and Impala's legacy timestamp) is read from a real INT96 file in parquet-int96.test.ts.
    assert.equal(valueKindOf({ name: 'event_time', type: 'INT96' }), 'time');
  });

  it('reads the same rows whatever the codec, from dictionary-encoded pages', async () => {
    const expected = (await collect(await write('plain.parquet', transactions(50), { codec: 'UNCOMPRESSED' }))).rows;
    assert.equal(expected.length, 50);
    for (const codec of ['SNAPPY', 'GZIP', 'BROTLI'] as const) {
      const file = await write(`codec-${codec}.parquet`, transactions(50), { codec });
      const metadata = parquetMetadata(await readFile(file));
      const userColumn = metadata.row_groups[0].columns[0].meta_data!;
      assert.equal(userColumn.codec, codec);
      assert.ok(userColumn.encodings.some((encoding) => encoding.endsWith('DICTIONARY')), `${codec}: user_id is dictionary-encoded (${userColumn.encodings.join(', ')})`);
      assert.deepEqual((await collect(file)).rows, expected, codec);
    }
  });

  it('reads one row group at a time, never the file whole, and keeps row numbers across groups', async () => {
    const file = await write('groups.parquet', transactions(3_000), { rowGroupSize: 1_000 });
    const whole = await asyncBufferFromFile(file);
    const reads: [number, number][] = [];
    const recording: AsyncBuffer = {
      byteLength: whole.byteLength,
      slice: (start, end) => {
        reads.push([start, end ?? whole.byteLength]);
        return whole.slice(start, end);
      },
    };
    const source = await openParquetSource(recording, schema);
    assert.deepEqual(source.rowGroups.map((group) => [group.rowStart, group.rowEnd]), [[0, 1_000], [1_000, 2_000], [2_000, 3_000]]);
    const metadata = parquetMetadata(await readFile(file));
    const groupStart = (g: number) => Math.min(...metadata.row_groups[g].columns.map((chunk) => Number(chunk.meta_data!.dictionary_page_offset ?? chunk.meta_data!.data_page_offset)));
    const footerStart = whole.byteLength - 8 - metadata.metadata_length;
    // The footer is read first; with a file this small its first fetch reaches back over the data.
    reads.length = 0;
    const first = await source.readRowGroup(source.rowGroups[1]);
    assert.ok(reads.length > 0);
    for (const [start, end] of reads) {
      assert.ok(start >= groupStart(1) && end <= Math.min(groupStart(2), footerStart), `read [${start}, ${end}) lies inside row group 1 [${groupStart(1)}, ${groupStart(2)})`);
    }
    assert.equal(first.length, 1_000);
    assert.deepEqual([first[0].line, first.at(-1)!.line], [1_001, 2_000]);
    const { rows } = await collect(file, 'fail');
    assert.deepEqual(rows.map((row) => row.line), Array.from({ length: 3_000 }, (_, i) => i + 1));
  });

  it('treats a null as CSV treats an empty cell: the row is bad, named by row and column', async () => {
    const file = await write('nulls.parquet', transactions(4, { amount: column('amount', 'DOUBLE', [1, 2, null, 4]), user_id: column('user_id', 'BYTE_ARRAY', ['u1', 'u2', 'u3', null], { converted_type: 'UTF8' }) }), { rowGroupSize: 2 });
    const { rows, bad } = await collect(file, 'skip');
    assert.deepEqual(rows.map((row) => row.values[0]), ['u1', 'u2']);
    assert.deepEqual(bad, [
      { line: 3, problem: 'amount: is missing' },
      { line: 4, problem: 'user_id: is missing' },
    ]);
    await assert.rejects(collect(file, 'fail'), (error: Error) => error instanceof SourceError && error.message === `${file}:row 3: amount: is missing`);
  });

  it('reports values that do not fit the declared dtype with their row number and column', async () => {
    const file = await write('values.parquet', [
      column('event_time', 'INT64', [new Date(T0), null, new Date(T0), new Date(T0), new Date(T0)], MICROS),
      column('user_id', 'BYTE_ARRAY', ['u1', 'u2', 'u3', 'u4', 'u5'], { converted_type: 'UTF8' }),
      column('amount', 'DOUBLE', [1, 1, Number.NaN, 1, 1]),
      column('velocity', 'DOUBLE', [1, 1, 1, 1.5, 2 ** 40]),
      column('foreign', 'INT64', [1n, 0n, 0n, 0n, 0n]),
    ]);
    const { rows, bad } = await collect(file, 'skip');
    assert.deepEqual(rows.map((row) => row.values), [['u1', 1, 1, true]]);
    assert.deepEqual(bad, [
      { line: 2, problem: 'event_time: is missing' },
      { line: 3, problem: 'amount: expected a finite number, got NaN' },
      { line: 4, problem: 'velocity: expected an integer, got 1.5' },
      { line: 5, problem: `velocity: ${2 ** 40} does not fit in int32` },
    ]);
    const huge = await write('huge.parquet', transactions(1, { velocity: column('velocity', 'INT64', [2n ** 60n]) }));
    const wide: RowSchema = { ...schema, columns: schema.columns.map((c) => (c.name === 'velocity' ? { ...c, dtype: 'int64' } : c)) };
    await assert.rejects(collect(huge, 'fail', wide), (error: Error) => error.message === `${huge}:row 1: velocity: ${2n ** 60n} is too large to read exactly (beyond ±2^53)`);
  });

  it('refuses a column whose Parquet type can never hold the declared dtype, before reading a row', async () => {
    const text = await write('text-amount.parquet', transactions(3, { amount: column('amount', 'BYTE_ARRAY', ['1', '2', '3'], { converted_type: 'UTF8' }) }));
    await assert.rejects(
      collect(text),
      (error: Error) => error instanceof SourceError && error.message === `${text}: column 'amount' is BYTE_ARRAY (UTF8); float32 needs a FLOAT, DOUBLE or DECIMAL column or an INT32 or INT64 column`,
    );
    // A bare integer has no unit: seconds and milliseconds would both "work", one of them wrongly.
    const epoch = await write('epoch.parquet', transactions(1, { event_time: column('event_time', 'INT64', [1719826200n]) }));
    await assert.rejects(collect(epoch), (error: Error) => error.message === `${epoch}: column 'event_time' is INT64; an event time needs a TIMESTAMP, INT96 or DATE column or a STRING (UTF8) column`);
    const missing = await write('missing.parquet', transactions(1).filter((c) => c.element.name !== 'velocity'));
    await assert.rejects(collect(missing), (error: Error) => error.message === `${missing}: the Parquet schema has no column 'velocity' (columns: user_id, event_time, amount, foreign)`);
    const csv = path.join(dir, 'not.parquet');
    await writeFile(csv, 'user_id,event_time\nu1,2024-07-01T00:00:00Z\n');
    await assert.rejects(collect(csv), (error: Error) => error instanceof SourceError && error.message.startsWith(`${csv}: not a readable Parquet file (`));
  });
});
