import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readTypedRows, SourceError } from '../../../features/source/offline-source.js';
import type { BadRow, RowSchema, TypedRow } from '../../../features/source/row-decoder.js';

const schema: RowSchema = {
  timestampField: 'event_time',
  columns: [
    { name: 'user_id', dtype: 'string' },
    { name: 'amount', dtype: 'float32' },
    { name: 'velocity', dtype: 'int32' },
    { name: 'foreign', dtype: 'bool' },
  ],
};

describe('offline sources', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'slipway-source-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  const collect = async (file: string, format: 'csv' | 'jsonl', onBadRow: 'skip' | 'fail') => {
    const rows: TypedRow[] = [];
    const bad: BadRow[] = [];
    for await (const row of readTypedRows(file, format, schema, { onBadRow, onSkip: (b) => bad.push(b) })) rows.push(row);
    return { rows, bad };
  };

  it('reads typed CSV rows with their line numbers, quoted fields included', async () => {
    const file = path.join(dir, 'ok.csv');
    await writeFile(file, 'user_id,event_time,amount,velocity,foreign\nu1,2024-07-01T00:00:00Z,12.5,3,true\r\n"u,2",2024-07-01T00:00:01Z,7,0,0\n');
    const { rows } = await collect(file, 'csv', 'fail');
    assert.deepEqual(rows, [
      { line: 2, eventMs: Date.UTC(2024, 6, 1), values: ['u1', 12.5, 3, true] },
      { line: 3, eventMs: Date.UTC(2024, 6, 1, 0, 0, 1), values: ['u,2', 7, 0, false] },
    ]);
  });

  it('skips malformed rows whole and reports each with its line and column', async () => {
    const file = path.join(dir, 'bad.csv');
    await writeFile(
      file,
      [
        'user_id,event_time,amount,velocity,foreign',
        'u1,2024-07-01T00:00:00Z,12.5,3,true',
        'u2,2024-07-01T00:00:00Z,12.5x,3,true',
        'u3,yesterday,1,1,true',
        'u4,2024-07-01T00:00:00Z,1,1.5,true',
        'u5,2024-07-01T00:00:00Z,1,1',
        'u6,2024-07-01T00:00:00Z,1,1,maybe',
        'u7,2024-07-01T00:00:00,1,1,true',
        'u8,2024-07-01T00:00:00Z,1,1,false',
      ].join('\n'),
    );
    const { rows, bad } = await collect(file, 'csv', 'skip');
    assert.deepEqual(rows.map((row) => row.values[0]), ['u1', 'u8']);
    assert.deepEqual(bad.map((b) => b.line), [3, 4, 5, 6, 7, 8]);
    assert.match(bad[0].problem, /^amount: expected a number, got "12.5x"/);
    assert.match(bad[1].problem, /^event_time: /);
    assert.match(bad[2].problem, /^velocity: expected an integer/);
    assert.match(bad[3].problem, /expected 5 columns, found 4/);
    assert.match(bad[5].problem, /with a zone/);
  });

  it('fails on the first malformed row naming file and line', async () => {
    const file = path.join(dir, 'fail.csv');
    await writeFile(file, 'user_id,event_time,amount,velocity,foreign\nu1,2024-07-01T00:00:00Z,1,1,true\nu2,2024-07-01T00:00:00Z,-,1,true\n');
    await assert.rejects(collect(file, 'csv', 'fail'), (error: Error) => error instanceof SourceError && error.message === `${file}:3: amount: expected a number, got "-"`);
  });

  it('rejects a header without a needed column', async () => {
    const file = path.join(dir, 'header.csv');
    await writeFile(file, 'user_id,event_time,amount,foreign\n');
    await assert.rejects(collect(file, 'csv', 'skip'), /header\.csv:line 1: the header has no column 'velocity'/);
  });

  it('reads JSON Lines with native and string values', async () => {
    const file = path.join(dir, 'rows.jsonl');
    await writeFile(file, '{"user_id":"u1","event_time":"2024-07-01T00:00:00Z","amount":3,"velocity":"4","foreign":false}\n{not json}\n{"user_id":"u2","event_time":1719792000,"amount":1.5,"velocity":2,"foreign":"true"}\n');
    const { rows, bad } = await collect(file, 'jsonl', 'skip');
    assert.deepEqual(rows.map((row) => [row.line, ...row.values]), [
      [1, 'u1', 3, 4, false],
      [3, 'u2', 1.5, 2, true],
    ]);
    assert.equal(rows[1].eventMs, 1719792000000);
    assert.deepEqual(bad.map((b) => b.line), [2]);
  });
});
