/**
 * A materialization worker thread: parses a chunk of lines, keeps the latest row per entity and
 * view within the window, encodes the upserts in Feast's layout straight into RESP and sends them
 * on its own Redis connection. Two of these use both cores.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Scalar } from '../../core/catalog.js';
import { encodeTimestamp, encodeValue, featureField, redisKeyOf, timestampField } from '../../core/online-store/feast-layout.js';
import { createRowDecoder, isBadRow, type RowDecoder } from '../source/row-decoder.js';
import type { ChunkMessage, ChunkResult, SourcePlan } from './plan.js';
import { RespConnection, RespErrorReply } from './resp-connection.js';
import { UPSERT_IF_NEWER_SHA } from './upsert-script.js';
import { RespWriter } from './resp-writer.js';

const plan = workerData as SourcePlan;
const connectionPromise = RespConnection.open(plan.redisUrl);
let decoder: RowDecoder | null = null;

// Per view: the constant parts of every command, encoded once.
const prepared = plan.views.map((view) => ({
  view,
  argc: 8 + 2 * view.features.length,
  tsField: Buffer.from(timestampField(view.name)),
  ttl: Buffer.from(String(view.ttlMs)),
  fields: view.features.map((feature) => featureField(view.name, feature.name)),
}));
const SHA = Buffer.from(UPSERT_IF_NEWER_SHA);

parentPort?.on('message', (message: ChunkMessage) => {
  handle(message).then(
    (result) => parentPort?.postMessage(result),
    (error: Error) => parentPort?.postMessage({ id: message.id, rows: 0, bad: [], failed: true, written: [], notNewer: [], outside: [], parseMs: 0, encodeMs: 0, clientMs: 0, error: error.message } satisfies ChunkResult),
  );
});

async function handle(message: ChunkMessage): Promise<ChunkResult> {
  const t0 = performance.now();
  decoder ??= createRowDecoder(plan.format, plan.schema, message.header ?? undefined);
  const text = Buffer.from(message.bytes).toString('utf8');
  const latest = plan.views.map(() => new Map<string, { eventMs: number; values: Scalar[] }>());
  const outside = plan.views.map(() => 0);
  const bad: { line: number; problem: string }[] = [];
  let rows = 0;
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
    rows += 1;
    const decoded = decoder.decode(raw, current);
    if (isBadRow(decoded)) {
      bad.push(decoded);
      continue;
    }
    plan.views.forEach((view, v) => {
      const t = decoded.eventMs;
      if (t < view.minMs || t <= view.afterMs || t > view.endMs) {
        outside[v] += 1;
        return;
      }
      const key = view.joinKeys.length === 1 ? String(decoded.values[view.joinKeys[0].column]) : view.joinKeys.map((k) => String(decoded.values[k.column])).join('\u0000');
      const previous = latest[v].get(key);
      // Equal times keep the first row, as Redis keeps the first write of a time ("not newer").
      if (previous === undefined || t > previous.eventMs) latest[v].set(key, { eventMs: t, values: decoded.values });
    });
  }
  const t1 = performance.now();
  const empty = plan.views.map(() => 0);
  if (bad.length > 0 && plan.onBadRow === 'fail') {
    return { id: message.id, rows, bad, failed: true, written: empty, notNewer: empty, outside, parseMs: t1 - t0, encodeMs: 0, clientMs: 0 };
  }
  const writer = new RespWriter(1 << 16);
  const owners: number[] = [];
  prepared.forEach(({ view, argc, tsField, ttl, fields }, v) => {
    for (const { eventMs, values } of latest[v].values()) {
      const key = redisKeyOf(view.joinKeys.map((k) => ({ name: k.name, valueType: k.valueType, value: values[k.column] as string | number })), plan.project);
      writer.arrayHeader(argc);
      writer.bulkAscii('EVALSHA');
      writer.bulk(SHA);
      writer.bulkAscii('1');
      writer.bulk(key);
      writer.bulk(tsField);
      writer.bulkAscii(String(eventMs));
      writer.bulk(ttl);
      writer.bulk(encodeTimestamp(eventMs));
      view.features.forEach((feature, f) => {
        writer.bulk(fields[f]);
        writer.bulk(encodeValue(feature.dtype, values[feature.column]));
      });
      owners.push(v);
    }
  });
  const t2 = performance.now();
  const written = plan.views.map(() => 0);
  const notNewer = plan.views.map(() => 0);
  if (owners.length > 0) {
    const connection = await connectionPromise;
    const replies = await connection.send(writer.finish(), owners.length);
    replies.forEach((reply, i) => {
      if (reply instanceof RespErrorReply) throw new Error(`Redis refused a write: ${reply.message}`);
      if (reply === 1) written[owners[i]] += 1;
      else notNewer[owners[i]] += 1;
    });
  }
  const t3 = performance.now();
  return { id: message.id, rows, bad, failed: false, written, notNewer, outside, parseMs: t1 - t0, encodeMs: t2 - t1, clientMs: t3 - t2 };
}
