/**
 * bench/parquet: the same seeded rows read from CSV (the baseline) and from Parquet (snappy,
 * 100,000-row groups, the types pyarrow writes), as typed rows and then through the training
 * set's point-in-time join; rows per second and the Parquet/CSV ratio of each, medians of 3 runs.
 * Run: node build/bench/parquet.js [rows]
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadCatalogOrThrow } from '../core/load/load-catalog.js';
import { writeTransactionsCsv } from '../features/generate.js';
import { readTypedRows } from '../features/source/offline-source.js';
import type { RowSchema } from '../features/source/row-decoder.js';
import type { SourceFormat } from '../features/source/source-format.js';
import { buildTrainingSet } from '../training/training-set.js';
import { copyExampleRepo } from '../test/support/example-repo.js';
import { writeTransactionsParquet } from '../test/support/parquet-fixture.js';
import { median } from './median.js';

const rows = Number(process.argv[2] ?? 500_000);
const RUNS = 3;
const dir = await mkdtemp(path.join(tmpdir(), 'slipway-bench-parquet-'));
const repo = await copyExampleRepo();
try {
  const csv = path.join(dir, 'transactions.csv');
  const parquet = path.join(dir, 'transactions.parquet');
  await writeTransactionsCsv(csv, { rows, seed: 1 });
  await writeTransactionsParquet(parquet, { rows, seed: 1 }, { rowGroupSize: 100_000 });
  const mb = async (file: string) => ((await stat(file)).size / 1e6).toFixed(1);
  console.log(`${rows.toLocaleString('en-US')} rows: CSV ${await mb(csv)} MB, Parquet ${await mb(parquet)} MB (snappy, 100,000-row groups)`);

  const catalog = await loadCatalogOrThrow(repo.root);
  const card = catalog.models.get('fraud-detector')!;
  // Every column the training set reads, with the dtypes it reads them as.
  const schema: RowSchema = {
    timestampField: 'event_time',
    columns: [
      { name: 'transaction_id', dtype: 'string' },
      { name: 'user_id', dtype: 'string' },
      { name: 'is_fraud', dtype: 'bool' },
      ...card.current.inputs.map((input) => ({ name: input.feature, dtype: input.dtype })),
    ],
  };
  const readAll = async (file: string, format: SourceFormat) => {
    let count = 0;
    for await (const _ of readTypedRows(file, format, schema)) count += 1;
    if (count !== rows) throw new Error(`${file}: read ${count} rows, expected ${rows}`);
  };
  const join = async (file: string) => {
    const set = await buildTrainingSet(catalog, card.current.inputs, card.training.label, { dataFile: file });
    if (set.rows !== rows) throw new Error(`${file}: joined ${set.rows} rows, expected ${rows}`);
  };
  const rate = async (work: () => Promise<void>) => {
    const seconds: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      const start = performance.now();
      await work();
      seconds.push((performance.now() - start) / 1000);
    }
    return rows / median(seconds);
  };
  const report = (what: string, baseline: number, measured: number) => {
    const fmt = (value: number) => Math.round(value).toLocaleString('en-US');
    console.log(`${what}: CSV ${fmt(baseline)} rows/s, Parquet ${fmt(measured)} rows/s, ratio Parquet/CSV ${(measured / baseline).toFixed(2)}x`);
  };
  report('typed rows (readTypedRows)', await rate(() => readAll(csv, 'csv')), await rate(() => readAll(parquet, 'parquet')));
  report(`point-in-time join (training set of fraud-detector, ${card.current.inputs.length} inputs)`, await rate(() => join(csv)), await rate(() => join(parquet)));
} finally {
  await repo.dispose();
  await rm(dir, { recursive: true, force: true });
}
