/**
 * `slipway materialize`: for each online feature view, the latest value per entity within the
 * view's TTL goes into Redis in Feast's layout. One pass per source file serves every view that
 * reads it; worker threads parse and encode chunks and write them on their own connections; the
 * upsert script makes every write "only if newer", so reruns change nothing and chunk order does
 * not matter. A watermark per view lets `--incremental` start where the last run ended.
 */
import { createReadStream } from 'node:fs';
import { sourceFiles } from '../source/source-files.js';
import { stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Catalog, FeatureDtype, FeatureView } from '../../core/catalog.js';
import { required } from '../../core/catalog.js';
import { type OnBadRow, readTypedRows, sourceSchemaError } from '../source/offline-source.js';
import { openParquetFile, type ParquetSource } from '../source/parquet-source.js';
import { type ColumnSpec, createRowDecoder, SourceSchemaError } from '../source/row-decoder.js';
import { formatOfDataFile, rowLocation, type SourceFormat } from '../source/source-format.js';
import type { ChunkMessage, ChunkResult, SourcePlan, ViewPlan } from './plan.js';
import { encodeCommand, RespConnection, RespErrorReply } from './resp-connection.js';
import { UPSERT_IF_NEWER_LUA, UPSERT_IF_NEWER_SHA, watermarkKey } from './upsert-script.js';

/** Options of one run. */
export interface MaterializeOptions {
  readonly catalog: Catalog;
  readonly redisUrl: string;
  /** Only these views (all online views by default). */
  readonly views?: readonly string[];
  /** Start from each view's recorded watermark. */
  readonly incremental?: boolean;
  /** The run's end (epoch ms); default the newest event time in the source. */
  readonly endMs?: number;
  readonly onBadRow?: OnBadRow;
  /** Worker threads (default: the number of cores, at most 4). */
  readonly workers?: number;
  /** Read every view from this file instead of its own source. */
  readonly dataFile?: string;
  readonly onProgress?: (progress: { bytes: number; totalBytes: number; rows: number }) => void;
  /** `line` is the line, or for Parquet the row; `where` is the two as a message shows them (`file:12`, `file:row 12`). */
  readonly onBadRowSkipped?: (file: string, line: number, problem: string, where: string) => void;
}

/** What happened to one view. */
export interface ViewSummary {
  readonly view: string;
  readonly written: number;
  readonly notNewer: number;
  readonly outside: number;
  readonly fromMs: number;
  readonly endMs: number;
}

/** What a run did. */
export interface MaterializeSummary {
  readonly rows: number;
  readonly badRows: number;
  readonly views: readonly ViewSummary[];
  readonly elapsedMs: number;
  /** Worker time split, summed over workers. */
  readonly parseMs: number;
  readonly encodeMs: number;
  readonly clientMs: number;
}

/** A materialization that cannot run or failed on a row (a user-facing problem). */
export class MaterializeError extends Error {
  override readonly name = 'MaterializeError';
}

/** Runs one materialization. */
export async function materialize(options: MaterializeOptions): Promise<MaterializeSummary> {
  const started = performance.now();
  const views = selectViews(options.catalog, options.views);
  const control = await RespConnection.open(options.redisUrl).catch((error: Error) => {
    throw new MaterializeError(`cannot connect to Redis at ${options.redisUrl}: ${error.message}`);
  });
  try {
    const [loaded] = await control.send(encodeCommand(['SCRIPT', 'LOAD', UPSERT_IF_NEWER_LUA]), 1);
    if (loaded instanceof RespErrorReply || loaded !== UPSERT_IF_NEWER_SHA) throw new MaterializeError(`Redis did not load the upsert script: ${String(loaded)}`);
    const totals: MaterializeSummary = { rows: 0, badRows: 0, views: [], elapsedMs: 0, parseMs: 0, encodeMs: 0, clientMs: 0 };
    let summary = totals;
    for (const [source, group] of groupBySource(options, views, options.dataFile === undefined ? await sourceFiles(options.catalog, views) : new Map())) {
      const pass = await materializeSource(options, control, source, group);
      summary = {
        ...summary,
        rows: summary.rows + pass.rows,
        badRows: summary.badRows + pass.badRows,
        views: [...summary.views, ...pass.views],
        parseMs: summary.parseMs + pass.parseMs,
        encodeMs: summary.encodeMs + pass.encodeMs,
        clientMs: summary.clientMs + pass.clientMs,
      };
    }
    return { ...summary, elapsedMs: performance.now() - started };
  } finally {
    control.close();
  }
}

interface Source {
  readonly file: string;
  readonly format: SourceFormat;
  readonly timestampField: string;
}

function selectViews(catalog: Catalog, names: readonly string[] | undefined): FeatureView[] {
  if (names === undefined || names.length === 0) return [...catalog.featureViews.values()].filter((view) => view.online).sort((a, b) => a.name.localeCompare(b.name));
  return names.map((name) => {
    const view = catalog.featureViews.get(name);
    if (view === undefined) throw new MaterializeError(`no feature view named '${name}' (views: ${[...catalog.featureViews.keys()].join(', ')})`);
    if (!view.online) throw new MaterializeError(`feature view '${name}' is not online; only online views are materialized`);
    return view;
  });
}

function groupBySource(options: MaterializeOptions, views: readonly FeatureView[], files: ReadonlyMap<string, string>): Map<Source, FeatureView[]> {
  const byKey = new Map<string, { source: Source; views: FeatureView[] }>();
  for (const view of views) {
    const file = options.dataFile ?? files.get(view.name)!;
    const format: SourceFormat = options.dataFile === undefined ? view.source.format : formatOfDataFile(options.dataFile);
    const key = `${file}\u0000${format}\u0000${view.source.timestampField}`;
    const entry = byKey.get(key) ?? { source: { file, format, timestampField: view.source.timestampField }, views: [] };
    entry.views.push(view);
    byKey.set(key, entry);
  }
  return new Map([...byKey.values()].map((entry) => [entry.source, entry.views]));
}

async function materializeSource(options: MaterializeOptions, control: RespConnection, source: Source, views: readonly FeatureView[]): Promise<Omit<MaterializeSummary, 'elapsedMs'>> {
  const totalBytes = await stat(source.file).then(
    (info) => info.size,
    () => {
      throw new MaterializeError(`${source.file}: no such file (generate it with 'slipway data generate')`);
    },
  );
  const columns: ColumnSpec[] = [];
  const columnOf = (name: string, dtype: FeatureDtype) => {
    let index = columns.findIndex((column) => column.name === name);
    if (index === -1) index = columns.push({ name, dtype }) - 1;
    return index;
  };
  const endMs = options.endMs ?? (await newestEventTime(source));
  const plans: ViewPlan[] = [];
  for (const view of views) {
    const watermark = options.incremental ? await readWatermark(control, options.catalog.project.name, view.name) : null;
    plans.push({
      name: view.name,
      ttlMs: view.ttlMs,
      joinKeys: view.joinKeys.map((name, i) => {
        const valueType = required(options.catalog.entities, view.entities[i], 'entity').valueType;
        return { name, valueType, column: columnOf(name, valueType) };
      }),
      features: view.features.map((feature) => ({ name: feature.name, dtype: feature.dtype, column: columnOf(feature.name, feature.dtype) })),
      minMs: endMs - view.ttlMs,
      afterMs: watermark ?? Number.NEGATIVE_INFINITY,
      endMs,
    });
  }
  const plan: SourcePlan = {
    file: source.file,
    format: source.format,
    schema: { timestampField: source.timestampField, columns },
    views: plans,
    project: options.catalog.project.name,
    redisUrl: options.redisUrl,
    onBadRow: options.onBadRow ?? 'fail',
  };
  // A Parquet footer is read here first, so a missing or mistyped column is one clear error before any worker starts.
  const parquet = plan.format === 'parquet' ? await openParquetFile(plan.file, plan.schema).catch(rethrowAsSourceError(plan.file)) : null;
  const result = await runWorkers(options, plan, parquet === null ? totalBytes : parquet.rowGroups.reduce((sum, group) => sum + group.bytes, 0), parquet);
  // Only a run that finished moves the watermark: a failed one is redone (idempotently) next time.
  for (const view of plans) await control.send(encodeCommand(['SET', watermarkKey(plan.project, view.name), String(endMs)]), 1);
  return {
    ...result,
    views: plans.map((view, v) => ({ view: view.name, written: result.written[v], notNewer: result.notNewer[v], outside: result.outside[v], fromMs: Math.max(view.minMs, view.afterMs), endMs })),
  };
}

async function newestEventTime(source: Source): Promise<number> {
  let newest = Number.NEGATIVE_INFINITY;
  // Bad rows are ignored here; the real pass reports them.
  for await (const row of readTypedRows(source.file, source.format, { timestampField: source.timestampField, columns: [] }, { onBadRow: 'skip' })) {
    if (row.eventMs > newest) newest = row.eventMs;
  }
  if (!Number.isFinite(newest)) throw new MaterializeError(`${source.file}: no rows with a valid ${source.timestampField}`);
  return newest;
}

async function readWatermark(control: RespConnection, project: string, view: string): Promise<number | null> {
  const [reply] = await control.send(encodeCommand(['GET', watermarkKey(project, view)]), 1);
  return typeof reply === 'string' && reply !== '' ? Number(reply) : null;
}

interface PassTotals {
  rows: number;
  badRows: number;
  written: number[];
  notNewer: number[];
  outside: number[];
  parseMs: number;
  encodeMs: number;
  clientMs: number;
}

async function runWorkers(options: MaterializeOptions, plan: SourcePlan, totalBytes: number, parquet: ParquetSource | null): Promise<PassTotals> {
  const count = Math.max(1, options.workers ?? Math.min(4, os.availableParallelism()));
  const workers = Array.from({ length: count }, () => new Worker(new URL('./worker.js', import.meta.url), { workerData: plan }));
  const totals: PassTotals = { rows: 0, badRows: 0, written: plan.views.map(() => 0), notNewer: plan.views.map(() => 0), outside: plan.views.map(() => 0), parseMs: 0, encodeMs: 0, clientMs: 0 };
  const inFlight = new Map<number, { resolve: () => void; reject: (error: Error) => void }>();
  let failure: Error | null = null;
  let bytesDone = 0;
  const chunkBytes = new Map<number, number>();
  for (const worker of workers) {
    worker.on('message', (result: ChunkResult) => {
      const waiter = inFlight.get(result.id);
      inFlight.delete(result.id);
      if (result.error !== undefined) failure ??= new MaterializeError(`${plan.file}: ${result.error}`);
      totals.rows += result.rows;
      totals.badRows += result.bad.length;
      result.written.forEach((n, v) => (totals.written[v] += n));
      result.notNewer.forEach((n, v) => (totals.notNewer[v] += n));
      result.outside.forEach((n, v) => (totals.outside[v] += n));
      totals.parseMs += result.parseMs;
      totals.encodeMs += result.encodeMs;
      totals.clientMs += result.clientMs;
      for (const bad of result.bad) options.onBadRowSkipped?.(plan.file, bad.line, bad.problem, rowLocation(plan.file, plan.format, bad.line));
      if (result.failed && result.error === undefined) {
        const first = [...result.bad].sort((a, b) => a.line - b.line)[0];
        failure ??= new MaterializeError(`${rowLocation(plan.file, plan.format, first.line)}: ${first.problem} (use --on-bad-row skip to skip malformed rows)`);
      }
      bytesDone += chunkBytes.get(result.id) ?? 0;
      chunkBytes.delete(result.id);
      options.onProgress?.({ bytes: bytesDone, totalBytes, rows: totals.rows });
      waiter?.resolve();
    });
    worker.on('error', (error) => {
      failure ??= error;
      for (const waiter of inFlight.values()) waiter.reject(error);
    });
  }
  const perWorker = workers.map(() => [] as Promise<void>[]);
  let id = 0;
  let header: string | null = null;
  let line = 1;
  let carry: Buffer = Buffer.alloc(0);
  const post = async (message: (chunkId: number) => ChunkMessage, bytes: number, transfer: ArrayBuffer[] = []) => {
    const w = id % workers.length;
    // At most two chunks queued per worker: bounded memory whatever the file size.
    while (perWorker[w].length >= 2) await perWorker[w].shift();
    if (failure !== null) throw failure;
    const chunkId = id++;
    chunkBytes.set(chunkId, bytes);
    perWorker[w].push(new Promise<void>((resolve, reject) => inFlight.set(chunkId, { resolve, reject })));
    workers[w].postMessage(message(chunkId), transfer);
  };
  const dispatch = async (bytes: Buffer, firstLine: number, extraBytes: number) => {
    const copy = new Uint8Array(bytes.length);
    copy.set(bytes);
    await post((chunkId) => ({ id: chunkId, firstLine, bytes: copy.buffer, header }), bytes.length + extraBytes, [copy.buffer]);
  };
  // Whole lines go to the workers in 1 MiB chunks, each with the number of its first line.
  const dispatchLines = async () => {
    let headerBytes = 0;
    for await (const chunk of createReadStream(plan.file, { highWaterMark: 1 << 20 })) {
      let data: Buffer = carry.length === 0 ? (chunk as Buffer) : Buffer.concat([carry, chunk as Buffer]);
      if (plan.format === 'csv' && header === null) {
        const end = data.indexOf(10);
        if (end === -1) {
          carry = data;
          continue;
        }
        header = data.toString('utf8', 0, end).replace(/\r$/, '');
        try {
          // Checks the header on the main thread, so a missing column is one clear error.
          createRowDecoder('csv', plan.schema, header);
        } catch (error) {
          throw error instanceof SourceSchemaError ? sourceSchemaError(plan.file, error) : error;
        }
        headerBytes = end + 1;
        data = data.subarray(end + 1);
        line = 2;
      }
      const last = data.lastIndexOf(10);
      if (last === -1) {
        carry = data;
        continue;
      }
      const whole = data.subarray(0, last + 1);
      carry = Buffer.from(data.subarray(last + 1));
      const lines = countNewlines(whole);
      await dispatch(whole, line, headerBytes);
      headerBytes = 0;
      line += lines;
    }
    if (carry.length > 0) await dispatch(carry, line, 0);
  };
  // Each worker reads the row groups it is sent from the file: only their positions cross threads.
  const dispatchRowGroups = async (source: ParquetSource) => {
    for (const group of source.rowGroups) await post((chunkId) => ({ id: chunkId, firstLine: group.rowStart + 1, bytes: new ArrayBuffer(0), header: null, rowGroup: group }), group.bytes);
  };
  try {
    await (parquet === null ? dispatchLines() : dispatchRowGroups(parquet));
    await Promise.all(perWorker.flat());
    if (failure !== null) throw failure;
    // Workers hold the latest rows per entity across chunks; write out what they still hold.
    await Promise.all(
      workers.map((worker) => {
        const flushId = id++;
        const done = new Promise<void>((resolve, reject) => inFlight.set(flushId, { resolve, reject }));
        worker.postMessage({ id: flushId, flush: true, firstLine: 0, bytes: new ArrayBuffer(0), header });
        return done;
      }),
    );
    if (failure !== null) throw failure;
    return totals;
  } finally {
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
}

function rethrowAsSourceError(file: string): (error: Error) => never {
  return (error) => {
    throw error instanceof SourceSchemaError ? sourceSchemaError(file, error) : error;
  };
}

function countNewlines(bytes: Buffer): number {
  let count = 0;
  for (let i = bytes.indexOf(10); i !== -1; i = bytes.indexOf(10, i + 1)) count += 1;
  return count;
}
