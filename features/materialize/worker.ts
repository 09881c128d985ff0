/**
 * A materialization worker thread: parses chunks of lines (or reads and decodes one Parquet row
 * group of the file itself, so decompression runs on every core), keeps the latest row per entity and
 * view within the window (across chunks, bounded: a view's map is written out when it grows past
 * FLUSH_AT entities, and at the end), encodes the upserts in Feast's layout straight into RESP and
 * sends them on its own Redis connection. Two of these use both cores.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Scalar } from '../../core/catalog.js';
import { encodeTimestamp, encodeValue, featureField, redisKeyOf, timestampField } from '../../core/online-store/feast-layout.js';
import { openParquetFile, type ParquetSource } from '../source/parquet-source.js';
import { type BadRow, createRowDecoder, isBadRow, type RowDecoder, type TypedRow } from '../source/row-decoder.js';
import type { ChunkMessage, ChunkResult, SourcePlan } from './plan.js';
import { RespConnection, RespErrorReply } from './resp-connection.js';
import { RespWriter } from './resp-writer.js';
import { UPSERT_BATCH, UPSERT_IF_NEWER_SHA } from './upsert-script.js';

/** Entities held per view before they are written out mid-run. */
const FLUSH_AT = 50_000;

const plan = workerData as SourcePlan;
const connectionPromise = RespConnection.open(plan.redisUrl);
let decoder: RowDecoder | null = null;
let parquet: Promise<ParquetSource> | null = null;
const latest = plan.views.map(() => new Map<string, { eventMs: number; values: Scalar[] }>());

// Per view: the constant parts of every command, encoded once.
const prepared = plan.views.map((view) => ({
  view,
  tsField: Buffer.from(timestampField(view.name)),
  ttl: String(view.ttlMs),
  count: String(view.features.length),
  fields: view.features.map((feature) => featureField(view.name, feature.name)),
}));
const SHA = Buffer.from(UPSERT_IF_NEWER_SHA);

parentPort?.on('message', (message: ChunkMessage) => {
  const work = message.flush ? flushAll(message.id) : handle(message);
  work.then(
    (result) => parentPort?.postMessage(result),
    (error: Error) => parentPort?.postMessage({ id: message.id, rows: 0, bad: [], failed: true, written: [], notNewer: [], outside: [], parseMs: 0, encodeMs: 0, clientMs: 0, error: error.message } satisfies ChunkResult),
  );
});

async function handle(message: ChunkMessage): Promise<ChunkResult> {
  const t0 = performance.now();
  const decoded = message.rowGroup === undefined ? decodeLines(message) : await readRowGroup(message.rowGroup);
  const outside = plan.views.map(() => 0);
  const bad: BadRow[] = [];
  const accepted: TypedRow[] = [];
  for (const row of decoded) {
    if (isBadRow(row)) bad.push(row);
    else accepted.push(row);
  }
  const rows = decoded.length;
  const empty = plan.views.map(() => 0);
  if (bad.length > 0 && plan.onBadRow === 'fail') {
    // Nothing of a failing run is merged, so nothing of it is ever written.
    return { id: message.id, rows, bad, failed: true, written: empty, notNewer: empty, outside, parseMs: performance.now() - t0, encodeMs: 0, clientMs: 0 };
  }
  for (const row of accepted) {
    plan.views.forEach((view, v) => {
      const t = row.eventMs;
      if (t < view.minMs || t <= view.afterMs || t > view.endMs) {
        outside[v] += 1;
        return;
      }
      const key = view.joinKeys.length === 1 ? String(row.values[view.joinKeys[0].column]) : view.joinKeys.map((k) => String(row.values[k.column])).join('\u0000');
      const previous = latest[v].get(key);
      // Equal times keep the first row, as Redis keeps the first write of a time ("not newer").
      if (previous === undefined || t > previous.eventMs) latest[v].set(key, { eventMs: t, values: row.values });
    });
  }
  const parseMs = performance.now() - t0;
  const flushed = await flush((v) => latest[v].size >= FLUSH_AT);
  return { id: message.id, rows, bad, failed: false, written: flushed.written, notNewer: flushed.notNewer, outside, parseMs, encodeMs: flushed.encodeMs, clientMs: flushed.clientMs };
}

function decodeLines(message: ChunkMessage): (TypedRow | BadRow)[] {
  const format = plan.format;
  if (format === 'parquet') throw new Error('a Parquet source is read by row group, not by line');
  decoder ??= createRowDecoder(format, plan.schema, message.header ?? undefined);
  const text = Buffer.from(message.bytes).toString('utf8');
  const decoded: (TypedRow | BadRow)[] = [];
  let line = message.firstLine;
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    const raw = text.charCodeAt(end - 1) === 13 ? text.slice(start, end - 1) : text.slice(start, end);
    start = end + 1;
    const current = line;
    line += 1;
    if (raw.trim() === '') continue;
    decoded.push(decoder.decode(raw, current));
  }
  return decoded;
}

async function readRowGroup(group: NonNullable<ChunkMessage['rowGroup']>): Promise<(TypedRow | BadRow)[]> {
  // Each worker reads the footer once and then only the row groups it is given.
  parquet ??= openParquetFile(plan.file, plan.schema);
  return (await parquet).readRowGroup(group);
}

async function flushAll(id: number): Promise<ChunkResult> {
  const flushed = await flush(() => true);
  return { id, rows: 0, bad: [], failed: false, written: flushed.written, notNewer: flushed.notNewer, outside: plan.views.map(() => 0), parseMs: 0, encodeMs: flushed.encodeMs, clientMs: flushed.clientMs };
}

async function flush(which: (view: number) => boolean): Promise<{ written: number[]; notNewer: number[]; encodeMs: number; clientMs: number }> {
  const t0 = performance.now();
  const writer = new RespWriter(1 << 20);
  const calls: { view: number; entities: number }[] = [];
  prepared.forEach(({ view, tsField, ttl, count, fields }, v) => {
    if (!which(v) || latest[v].size === 0) return;
    const entries = [...latest[v].values()];
    latest[v].clear();
    for (let from = 0; from < entries.length; from += UPSERT_BATCH) {
      const batch = entries.slice(from, from + UPSERT_BATCH);
      writer.arrayHeader(3 + batch.length * (1 + 5 + 2 * view.features.length));
      writer.bulkAscii('EVALSHA');
      writer.bulk(SHA);
      writer.bulkAscii(String(batch.length));
      for (const { values } of batch) {
        writer.bulk(redisKeyOf(view.joinKeys.map((k) => ({ name: k.name, valueType: k.valueType, value: values[k.column] as string | number })), plan.project));
      }
      for (const { eventMs, values } of batch) {
        writer.bulk(tsField);
        writer.bulkAscii(String(eventMs));
        writer.bulkAscii(ttl);
        writer.bulk(encodeTimestamp(eventMs));
        writer.bulkAscii(count);
        view.features.forEach((feature, f) => {
          writer.bulk(fields[f]);
          writer.bulk(encodeValue(feature.dtype, values[feature.column]));
        });
      }
      calls.push({ view: v, entities: batch.length });
    }
  });
  const t1 = performance.now();
  const written = plan.views.map(() => 0);
  const notNewer = plan.views.map(() => 0);
  if (calls.length > 0) {
    const connection = await connectionPromise;
    const replies = await connection.send(writer.finish(), calls.length);
    replies.forEach((reply, i) => {
      if (reply instanceof RespErrorReply) throw new Error(`Redis refused a write: ${reply.message}`);
      written[calls[i].view] += Number(reply);
      notNewer[calls[i].view] += calls[i].entities - Number(reply);
    });
  }
  return { written, notNewer, encodeMs: t1 - t0, clientMs: performance.now() - t1 };
}
