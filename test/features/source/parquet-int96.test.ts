/** Event times in INT96, the legacy timestamp Spark and Impala still write, read like any other time column. */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { asyncBufferFromFile, parquetMetadataAsync } from 'hyparquet';
import { readTypedRows } from '../../../features/source/offline-source.js';
import type { TypedRow } from '../../../features/source/row-decoder.js';
import { column, writeInt96Parquet } from '../../support/parquet-fixture.js';

describe('Parquet INT96 event times', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'slipway-int96-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('reads each row at its instant, to the millisecond, across days and before 1970', async () => {
    const times = [new Date(Date.UTC(2024, 6, 1, 9, 30, 15, 250)), new Date(Date.UTC(2024, 6, 2, 0, 0, 0, 1)), new Date(Date.UTC(1969, 11, 31, 23, 59, 59, 999))];
    const file = path.join(dir, 'spark.parquet');
    await writeInt96Parquet(file, 'event_time', times, [column('user_id', 'BYTE_ARRAY', ['u1', 'u2', 'u3'], { converted_type: 'UTF8' }), column('amount', 'DOUBLE', [1.5, 2.5, 3.5])]);

    const metadata = await parquetMetadataAsync(await asyncBufferFromFile(file));
    assert.equal(metadata.schema.find((element) => element.name === 'event_time')?.type, 'INT96', 'the file really holds INT96');

    const rows: TypedRow[] = [];
    const schema = { timestampField: 'event_time', columns: [{ name: 'user_id', dtype: 'string' as const }, { name: 'amount', dtype: 'float32' as const }] };
    for await (const row of readTypedRows(file, 'parquet', schema, { onBadRow: 'fail', onSkip: () => undefined })) rows.push(row);
    assert.deepEqual(rows, times.map((time, index) => ({ line: index + 1, eventMs: time.getTime(), values: [`u${index + 1}`, index + 1.5] })));
  });
});
