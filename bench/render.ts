/**
 * `slipway render` on a catalog of 300 models deployed to 3 environments, and on the example
 * repository. Wall time is measured around a fresh `node build/cli/main.js render` process, so
 * start-up, loading, rendering, validation and writing are all included. Baseline, measured in
 * the same run: plain cdk8s synthesis of the same number of `ApiObject`s (no catalog, no
 * validation, no YAML, no files).
 */
import { spawnSync } from 'node:child_process';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApiObject, App, Chart } from 'cdk8s';
import { loadCatalogOrThrow } from '../core/load/load-catalog.js';
import { render } from '../generators/render.js';
import { writeSyntheticRepo } from './synthetic-repo.js';

const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CLI = path.join(PROJECT_ROOT, 'build/cli/main.js');

const synthetic = await writeSyntheticRepo({ featureViews: 100, models: 300, deployedModels: 300 });
const example = await mkdtemp(path.join(tmpdir(), 'slipway-bench-example-'));
for (const part of ['slipway.yaml', 'catalog', 'environments', 'policies']) await cp(path.join(PROJECT_ROOT, part), path.join(example, part), { recursive: true });

try {
  const large = cliRender(synthetic);
  const largeCheck = cliRender(synthetic, '--check');
  const small = cliRender(example);
  const largeObjects = await objectCount(synthetic);
  const exampleWarm = await inProcess(example);
  const baselineMs = plainSynthesis(largeObjects);

  console.log(`bench/render: 300 models × 3 environments (${largeObjects} objects) and the example repository`);
  console.log(table([
    ['case', 'objects', 'wall ms', 'objects/s', 'vs baseline'],
    ['plain ApiObject synthesis, same count (baseline, in-process)', String(largeObjects), fmt(baselineMs), fmt(largeObjects / (baselineMs / 1000)), '1.00x'],
    ['300-model catalog: slipway render into an empty dist/, new process', String(largeObjects), fmt(large), fmt(largeObjects / (large / 1000)), `${(large / baselineMs).toFixed(2)}x`],
    ['300-model catalog: slipway render --check (load, render, validate, compare)', String(largeObjects), fmt(largeCheck), fmt(largeObjects / (largeCheck / 1000)), `${(largeCheck / baselineMs).toFixed(2)}x`],
    ['example: slipway render, new process', String(exampleWarm.objects), fmt(small), fmt(exampleWarm.objects / (small / 1000)), '-'],
    ['example: load + render + validate after start-up', String(exampleWarm.objects), fmt(exampleWarm.ms), fmt(exampleWarm.objects / (exampleWarm.ms / 1000)), '-'],
  ]));
  console.log(`load average while measuring: ${loadavg().map((value) => value.toFixed(2)).join(' ')} on ${availableParallelism()} cores`);
  console.log(`bar: 300-model catalog renders and validates < 5000 ms wall: --check ${largeCheck < 5000 ? 'met' : 'MISSED'}, fresh write ${large < 5000 ? 'met' : 'MISSED'}; example < 1000 ms after start-up ${exampleWarm.ms < 1000 ? 'met' : 'MISSED'}`);
} finally {
  await rm(synthetic, { recursive: true, force: true });
  await rm(example, { recursive: true, force: true });
}

/**
 * Wall milliseconds of a whole `slipway render <root>` process. Creating ~7,800 new files is
 * mostly kernel time on this machine (~0.5 ms each), so a fresh write is reported apart from
 * `--check`, which does everything else (start-up, load, render, validate, read and compare).
 */
function cliRender(root: string, ...flags: string[]): number {
  const started = performance.now();
  const run = spawnSync(process.execPath, [CLI, 'render', root, ...flags], { encoding: 'utf8' });
  const ms = performance.now() - started;
  if (run.status !== 0) throw new Error(`slipway render ${root} failed: ${run.stderr}`);
  return ms;
}

async function objectCount(root: string): Promise<number> {
  return render(await loadCatalogOrThrow(root)).files.size;
}

/** Load + render + validate in this (already started) process; the second of two runs. */
async function inProcess(root: string): Promise<{ ms: number; objects: number }> {
  render(await loadCatalogOrThrow(root));
  const started = performance.now();
  const objects = render(await loadCatalogOrThrow(root)).files.size;
  return { ms: performance.now() - started, objects };
}

function plainSynthesis(count: number): number {
  const started = performance.now();
  const app = new App();
  const chart = new Chart(app, 'baseline');
  for (let i = 0; i < count; i++) {
    new ApiObject(chart, `o${i}`, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: `o${i}`, namespace: 'bench', labels: { app: `o${i}` } },
      spec: { selector: { matchLabels: { app: `o${i}` } }, template: { metadata: { labels: { app: `o${i}` } }, spec: { containers: [{ name: 'c', image: 'r:1.0.0' }] } } },
    });
  }
  chart.toJson();
  return performance.now() - started;
}

function fmt(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  return rows.map((row) => row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]) : cell.padStart(widths[column]))).join('  ')).join('\n');
}
