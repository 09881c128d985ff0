/**
 * `slipway validate` on a repository of 1,000 feature views, 1,000 model cards and 3
 * environments. Baseline, measured in the same run: parsing the same files with `yaml` alone.
 */
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { listDocumentFiles } from '../core/load/discover.js';
import { loadCatalog } from '../core/load/load-catalog.js';
import { writeSyntheticRepo } from './synthetic-repo.js';

const root = await writeSyntheticRepo({ featureViews: 1_000, models: 1_000, deployedModels: 300 });
try {
  const files = await listDocumentFiles(root);
  const parseOnly = await timed(async () => {
    let documents = 0;
    for (const file of files) documents += parseAllDocuments(await readFile(path.join(root, file), 'utf8'), { keepSourceTokens: false }).length;
    return documents;
  });
  const cold = await timed(async () => {
    const result = await loadCatalog(root);
    if (!result.ok) throw new Error(`synthetic repository is invalid: ${JSON.stringify(result.diagnostics.slice(0, 3))}`);
    return result.documents;
  });
  const warm = await timed(async () => (await loadCatalog(root)).documents);

  console.log(`bench/validate: ${cold.value} documents in ${files.length} files (1,000 feature views, 1,000 model cards, 3 environments)`);
  console.log(table([
    ['step', 'wall ms', 'documents/s', 'vs parse only'],
    ['yaml parse only (baseline)', fmt(parseOnly.ms), fmt(parseOnly.value / (parseOnly.ms / 1000)), '1.00x'],
    ['validate, cold (schemas compiled)', fmt(cold.ms), fmt(cold.value / (cold.ms / 1000)), `${(cold.ms / parseOnly.ms).toFixed(2)}x`],
    ['validate, warm', fmt(warm.ms), fmt(warm.value / (warm.ms / 1000)), `${(warm.ms / parseOnly.ms).toFixed(2)}x`],
  ]));
  console.log(`bar: under 2,000 ms cold -> ${cold.ms < 2_000 ? 'met' : 'MISSED'} (${fmt(cold.ms)} ms)`);
} finally {
  await rm(root, { recursive: true, force: true });
}

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await work();
  return { value, ms: performance.now() - started };
}

function fmt(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  return rows.map((row) => row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]) : cell.padStart(widths[column]))).join('  ')).join('\n');
}
