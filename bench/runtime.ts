/**
 * bench/runtime: the Slipway runtime against two baselines measured in the same run, on loopback,
 * with a real Redis holding the example's features in Feast's layout and the example fraud model
 * (models/fraud-detector/2.0.0; a 100-tree fixture of the same shape if that artifact is missing):
 *   (a) floor: a bare `http` server that parses the same JSON and answers; no features, no model;
 *   (b) naive: one Redis round trip and one ORT run per request;
 *   (c) slipway: the runtime (`startRuntime`), micro-batched fetches and runs.
 * Load comes from separate processes: `wrk` at fixed concurrency 1, 16 and 64, and a small
 * open-loop generator (wrk has no rate mode; wrk2 is not in Debian) at 5,000 requests/s offered.
 * Each server runs in its own child process, so the RSS printed is the runtime's alone.
 *
 *   node build/bench/runtime.js [--seconds 5] [--rounds 3] [--profile <dir>] [--only slipway]
 *
 * `--profile` writes V8 CPU profiles of each server's threads to `<dir>/<role>/` (open them in Chrome's DevTools);
 * `--only` measures one server (no ratios), for quick turns while tuning.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import ort from 'onnxruntime-node';
import { ensureSystemTools } from '../cli/system-tools.js';
import { buildBundle, type RuntimeBundle } from '../core/bundle.js';
import type { Scalar } from '../core/catalog.js';
import { loadCatalogOrThrow } from '../core/load/load-catalog.js';
import { createInputEncoder } from '../core/model-input-encoding.js';
import { decodeValue, encodeTimestamp, encodeValue, featureField, redisKeyOf, timestampField } from '../core/online-store/feast-layout.js';
import { startRuntime } from '../runtime/runtime.js';
import { freePort } from '../test/support/free-port.js';
import { buildTreeModel, FRAUD_INPUT_RANGES, writeArtifact } from '../test/support/onnx-fixture.js';
import { startRedis } from '../test/support/redis-server.js';
import { median } from './median.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const USERS = 10_000;
const BODIES = 1_000;
const CATEGORIES = ['Electronics', 'Travel', 'Grocery', 'Restaurants', 'Fashion', 'Other'];
const SCORE_PATH = '/v2/models/fraud-detector/score';

const ROLES = ['floor', 'naive', 'slipway'] as const;
type Role = (typeof ROLES)[number];

interface ServeArgs {
  readonly role: Role;
  readonly port: number;
  readonly redisUrl: string;
  readonly bundleFile: string;
  readonly artifactRoot: string;
  /** Where the server writes a CPU profile, if anywhere. */
  readonly profileDir?: string;
}

// ---------------------------------------------------------------------------------------------
// The three servers (each started as `runtime.js --serve <json>` in a child process)

async function serve(args: ServeArgs): Promise<void> {
  const bundle = JSON.parse(readFileSync(args.bundleFile, 'utf8')) as RuntimeBundle;
  if (args.role === 'slipway') {
    await startRuntime({ bundle, artifactRoot: args.artifactRoot, port: args.port, host: '127.0.0.1', onlineStore: { url: args.redisUrl, nodes: [] }, log: () => undefined, audit: () => undefined });
  } else if (args.role === 'floor') {
    await listen(args.port, async (body) => {
      const request = JSON.parse(body) as { id?: string };
      return { id: request.id ?? 'x', model_name: 'fraud-detector', model_version: '2.0.0', score: 0.5, class: 'legitimate', fallbacks: 0 };
    });
  } else {
    await serveNaive(args, bundle);
  }
  // Exit normally on SIGTERM, so that a CPU profile (`--profile`) gets written.
  process.once('SIGTERM', () => process.exit(0));
  process.send?.('ready');
}

async function serveNaive(args: ServeArgs, bundle: RuntimeBundle): Promise<void> {
  const version = bundle.versions[0];
  const inputs = version.inputs;
  const file = path.resolve(args.artifactRoot, version.artifact.uri);
  const session = await ort.InferenceSession.create(readFileSync(file), { intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential' });
  const redis = new Redis(args.redisUrl);
  const encode = createInputEncoder(inputs);
  const stored = inputs.filter((input) => input.view !== 'transaction-features');
  const fields = stored.map((input) => featureField(input.view, input.feature));
  await listen(args.port, async (body) => {
    const request = JSON.parse(body) as { id?: string; entities: Record<string, string>; features: Record<string, Scalar> };
    const key = redisKeyOf([{ name: 'user_id', valueType: 'string', value: request.entities.user_id }], bundle.project);
    const raw = await redis.hmgetBuffer(key, ...fields);
    const values = inputs.map((input) => {
      const at = stored.indexOf(input);
      if (at === -1) return request.features[input.feature] ?? input.default;
      return decodeValue(input.dtype, raw[at]) ?? input.default;
    });
    const row = new Float32Array(inputs.length);
    encode(values, row, 0);
    const output = await session.run({ input: new ort.Tensor('float32', row, [1, inputs.length]) });
    const score = (output.probabilities.data as Float32Array)[1];
    return { id: request.id ?? 'x', model_name: bundle.model, model_version: version.version, score, class: score >= 0.5 ? 'fraud' : 'legitimate', fallbacks: 0 };
  });
}

function listen(port: number, answer: (body: string) => Promise<unknown>): Promise<void> {
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      answer(Buffer.concat(chunks).toString('utf8')).then(
        (result) => {
          const payload = JSON.stringify(result);
          response.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) });
          response.end(payload);
        },
        (error: Error) => {
          response.writeHead(500);
          response.end(error.message);
        },
      );
    });
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve()));
}

// ---------------------------------------------------------------------------------------------
// The open-loop generator (`runtime.js --open-loop <json>`): fixed offered rate, raw sockets

interface OpenLoopArgs {
  readonly port: number;
  readonly rate: number;
  readonly seconds: number;
  readonly connections: number;
  /** A JSON file holding the request bodies (too many for a command line). */
  readonly bodiesFile: string;
}

async function openLoop(args: OpenLoopArgs): Promise<void> {
  const bodies = JSON.parse(readFileSync(args.bodiesFile, 'utf8')) as string[];
  const requests = bodies.map((body) =>
    Buffer.from(`POST ${SCORE_PATH} HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`),
  );
  const latencies: number[] = [];
  let errors = 0;
  let sent = 0;
  const sockets = await Promise.all(
    Array.from({ length: args.connections }, () =>
      new Promise<{ write: (request: Buffer) => void; outstanding: () => number; end: () => void }>((resolve, reject) => {
        const socket = connect(args.port, '127.0.0.1');
        socket.setNoDelay(true);
        const sentAt: number[] = [];
        let buffer: Buffer = Buffer.alloc(0);
        socket.on('data', (chunk: Buffer) => {
          buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk]);
          for (;;) {
            const headerEnd = buffer.indexOf('\r\n\r\n');
            if (headerEnd === -1) return;
            const head = buffer.subarray(0, headerEnd).toString('latin1');
            const length = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? 0);
            if (buffer.length < headerEnd + 4 + length) return;
            if (!head.startsWith('HTTP/1.1 200')) errors += 1;
            latencies.push(performance.now() - sentAt.shift()!);
            buffer = buffer.subarray(headerEnd + 4 + length);
          }
        });
        socket.on('error', reject);
        socket.on('connect', () =>
          resolve({
            write: (request) => {
              sentAt.push(performance.now());
              socket.write(request);
            },
            outstanding: () => sentAt.length,
            end: () => socket.destroy(),
          }),
        );
      }),
    ),
  );
  const started = performance.now();
  const total = args.rate * args.seconds;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * args.rate));
      while (sent < due) {
        // Open loop: a request goes out when it is due, on the least busy connection, never waiting for an answer.
        let best = sockets[0];
        for (const socket of sockets) if (socket.outstanding() < best.outstanding()) best = socket;
        best.write(requests[sent % requests.length]);
        sent += 1;
      }
      if (sent >= total) resolve();
      else setTimeout(tick, 1);
    };
    tick();
  });
  const drainDeadline = performance.now() + 5_000;
  while (sockets.some((socket) => socket.outstanding() > 0) && performance.now() < drainDeadline) await new Promise((resolve) => setTimeout(resolve, 10));
  const elapsed = (performance.now() - started) / 1000;
  for (const socket of sockets) socket.end();
  const sorted = Float64Array.from(latencies).sort();
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  process.stdout.write(`${JSON.stringify({ requests: latencies.length, rps: latencies.length / elapsed, p50: at(0.5), p99: at(0.99), p999: at(0.999), errors: errors + (sent - latencies.length) })}\n`);
}

// ---------------------------------------------------------------------------------------------
// The orchestrator

interface Measurement {
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly p999: number;
  readonly errors: number;
}

async function main(): Promise<void> {
  const seconds = Number(optionValue('--seconds') ?? 5) || 5;
  const rounds = Number(optionValue('--rounds') ?? 3) || 3;
  const profileDir = optionValue('--profile');
  const only = optionValue('--only');
  if (only !== undefined && !ROLES.includes(only as Role)) throw new Error(`--only takes one of ${ROLES.join(', ')} (got '${only}')`);
  const roles = only === undefined ? ROLES : [only as Role];
  ensureSystemTools(['wrk', 'redis-server'], 'the runtime bench drives load with wrk against a private Redis');
  const work = await mkdtemp(path.join(tmpdir(), 'slipway-bench-'));
  const redis = await startRedis();
  const children: ChildProcess[] = [];
  try {
    const { bundle, artifactRoot, modelSource } = await prepareModel(work);
    const bundleFile = path.join(work, 'bundle.json');
    await writeFile(bundleFile, JSON.stringify(bundle));
    await writeFeatures(redis.url, bundle);
    const bodies = Array.from({ length: BODIES }, (_, index) => requestBody(index));
    const lua = path.join(work, 'bodies.lua');
    await writeFile(lua, wrkScript(bodies));
    const bodiesFile = path.join(work, 'bodies.json');
    await writeFile(bodiesFile, JSON.stringify(bodies));

    process.stdout.write(
      `bench/runtime: model ${modelSource}; ${USERS} cardholders in Redis (Feast layout); medians of ${rounds} rounds of ${seconds} s, the servers taking turns; ${process.arch}, ${(await import('node:os')).cpus().length} cores\n\n`,
    );
    const ports = new Map<Role, number>();
    for (const role of roles) {
      const port = await freePort();
      children.push(await startServer({ role, port, redisUrl: redis.url, bundleFile, artifactRoot, profileDir }));
      ports.set(role, port);
      await warmUp(port, lua);
    }
    // Rounds interleave the servers, so that a machine that slows down for a while (a busy
    // neighbour on a shared host) slows all three alike, and the ratios stay honest.
    const samples = new Map<string, Measurement[]>();
    for (let round = 1; round <= rounds; round += 1) {
      for (const load of LOADS) {
        for (const role of roles) {
          process.stderr.write(`\rbench/runtime: round ${round}/${rounds}, ${role} at ${load === '5k' ? '5000 req/s' : `c=${load}`}      `);
          const port = ports.get(role)!;
          const measurement = load === '5k' ? await runOpenLoop(port, 5_000, seconds, bodiesFile) : runWrk(port, lua, Number(load), seconds);
          samples.set(`${role}@${load}`, [...(samples.get(`${role}@${load}`) ?? []), measurement]);
        }
      }
    }
    process.stderr.write('\n');
    const results = new Map([...samples].map(([key, measurements]) => [key, medianOf(measurements)]));
    const rss = new Map(roles.map((role, index) => [role, rssOf(children[index].pid!)]));
    if (ports.has('slipway')) await printRuntimeMetrics(ports.get('slipway')!);
    for (const child of children) {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
    printTable(roles, results, rss);
  } finally {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    await redis.stop();
    await rm(work, { recursive: true, force: true });
  }
}

async function prepareModel(work: string): Promise<{ bundle: RuntimeBundle; artifactRoot: string; modelSource: string }> {
  const catalog = await loadCatalogOrThrow(ROOT);
  const bundle = buildBundle(catalog, 'dev', 'fraud-detector');
  const version = bundle.versions[0];
  // The example's embedded artifact store is its models/ directory.
  const store = path.join(ROOT, catalog.project.artifacts.url);
  const example = path.join(store, version.artifact.uri);
  if (existsSync(example) && createHash('sha256').update(readFileSync(example)).digest('hex') === version.artifact.sha256) {
    return { bundle, artifactRoot: store, modelSource: `the example's ${version.artifact.uri}, read through the runtime's artifact store and cache` };
  }
  const model = buildTreeModel({ inputs: version.inputs.length, ranges: FRAUD_INPUT_RANGES, trees: 100, depth: 6, seed: 3 });
  await writeArtifact(work, version.artifact.uri, model.bytes);
  return {
    bundle: { ...bundle, versions: [{ ...version, artifact: { uri: version.artifact.uri, sha256: model.sha256 } }] },
    artifactRoot: work,
    modelSource: 'fixture (100 trees, depth 6, 8 inputs; the example artifact does not exist yet)',
  };
}

async function writeFeatures(url: string, bundle: RuntimeBundle): Promise<void> {
  const redis = new Redis(url);
  const inputs = bundle.versions[0].inputs.filter((input) => input.view !== 'transaction-features');
  const pipeline = redis.pipeline();
  for (let index = 0; index < USERS; index += 1) {
    const key = redisKeyOf([{ name: 'user_id', valueType: 'string', value: `user-${index}` }], bundle.project);
    const values: Record<string, Scalar> = { cardholder_age: 18 + (index % 70), velocity_last_24h: index % 45, device_trust_score: (index * 13) % 100, location_mismatch: index % 7 === 0 };
    const fields: Buffer[] = [];
    for (const input of inputs) fields.push(featureField(input.view, input.feature), encodeValue(input.dtype, values[input.feature]));
    for (const view of new Set(inputs.map((input) => input.view))) fields.push(Buffer.from(timestampField(view)), encodeTimestamp(Date.now()));
    pipeline.hset(key, ...fields);
  }
  await pipeline.exec();
  redis.disconnect();
}

function requestBody(index: number): string {
  return JSON.stringify({
    entities: { user_id: `user-${(index * 7919) % USERS}`, transaction_id: `t-${index}` },
    features: { amount: 5 + ((index * 37) % 1900), transaction_hour: index % 24, merchant_category: CATEGORIES[index % 6], foreign_transaction: index % 9 === 0 },
  });
}

function wrkScript(bodies: readonly string[]): string {
  const list = bodies.map((body) => `[[${body}]]`).join(',\n');
  return `wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local bodies = {${list}}
local n = 0
request = function()
  n = n + 1
  return wrk.format(nil, "${SCORE_PATH}", nil, bodies[(n % #bodies) + 1])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('{"requests":%d,"duration_us":%d,"p50":%f,"p99":%f,"p999":%f,"errors":%d}\\n',
    summary.requests, summary.duration, latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency:percentile(99.9) / 1000,
    e.connect + e.read + e.write + e.status + e.timeout))
end
`;
}

function runWrk(port: number, lua: string, concurrency: number, seconds: number): Measurement {
  const threads = Math.min(concurrency, 2);
  const run = spawnSync('wrk', ['-t', String(threads), '-c', String(concurrency), '-d', `${seconds}s`, '-s', lua, `http://127.0.0.1:${port}`], { encoding: 'utf8' });
  const line = run.stdout.split('\n').find((candidate) => candidate.startsWith('{"requests"'));
  if (line === undefined) throw new Error(`wrk failed: ${run.stdout}${run.stderr}`);
  const parsed = JSON.parse(line) as { requests: number; duration_us: number; p50: number; p99: number; p999: number; errors: number };
  return { rps: parsed.requests / (parsed.duration_us / 1e6), p50: parsed.p50, p99: parsed.p99, p999: parsed.p999, errors: parsed.errors };
}

function runOpenLoop(port: number, rate: number, seconds: number, bodiesFile: string): Promise<Measurement> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--open-loop', JSON.stringify({ port, rate, seconds, connections: 64, bodiesFile })], { stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(output) as Measurement) : reject(new Error(`open-loop generator exited ${code}`))));
  });
}

async function warmUp(port: number, lua: string): Promise<void> {
  spawnSync('wrk', ['-t', '1', '-c', '8', '-d', '2s', '-s', lua, `http://127.0.0.1:${port}`]);
}

function startServer(args: ServeArgs): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const profiling = args.profileDir === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', path.resolve(args.profileDir, args.role)];
    const child = spawn(process.execPath, [...profiling, fileURLToPath(import.meta.url), '--serve', JSON.stringify(args)], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    child.once('message', () => resolve(child));
    child.once('exit', (code) => reject(new Error(`${args.role} server exited with ${code}`)));
  });
}

function rssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) * 1024;
}

const LOADS = ['1', '16', '64', '5k'] as const;

/** Per field, the median over rounds; errors are summed. */
function medianOf(measurements: readonly Measurement[]): Measurement {
  const medianBy = (pick: (measurement: Measurement) => number) => median(measurements.map(pick));
  return {
    rps: medianBy((measurement) => measurement.rps),
    p50: medianBy((measurement) => measurement.p50),
    p99: medianBy((measurement) => measurement.p99),
    p999: medianBy((measurement) => measurement.p999),
    errors: measurements.reduce((sum, measurement) => sum + measurement.errors, 0),
  };
}

/** What the runtime's own metrics say about the whole run: fallbacks, batch sizes, stage times. */
async function printRuntimeMetrics(port: number): Promise<void> {
  const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const fallbacks = metrics.split('\n').filter((line) => line.startsWith('slipway_feature_fallbacks_total')).reduce((sum, line) => sum + Number(line.split(' ').pop()), 0);
  const batch = histogramMean(metrics, 'slipway_batch_size');
  const fetchMs = histogramMean(metrics, 'slipway_feature_fetch_duration_seconds') * 1000;
  const inferenceMs = histogramMean(metrics, 'slipway_inference_duration_seconds') * 1000;
  process.stdout.write(
    `slipway: ${fallbacks} feature fallbacks over the whole run; mean ORT batch ${batch.toFixed(1)} rows; mean batch fetch ${fetchMs.toFixed(2)} ms, mean batch inference ${inferenceMs.toFixed(2)} ms\n\n`,
  );
}

function histogramMean(metrics: string, name: string): number {
  const sum = metrics.split('\n').filter((line) => line.startsWith(`${name}_sum`)).reduce((total, line) => total + Number(line.split(' ').pop()), 0);
  const count = metrics.split('\n').filter((line) => line.startsWith(`${name}_count`)).reduce((total, line) => total + Number(line.split(' ').pop()), 0);
  return count === 0 ? 0 : sum / count;
}

function printTable(roles: readonly Role[], results: ReadonlyMap<string, Measurement>, rss: ReadonlyMap<Role, number>): void {
  const rows = [['server', 'load', 'req/s', 'p50 ms', 'p99 ms', 'p99.9 ms', 'errors']];
  for (const role of roles) {
    for (const load of ['1', '16', '64', '5k']) {
      const result = results.get(`${role}@${load}`)!;
      rows.push([
        { floor: '(a) floor', naive: '(b) naive', slipway: '(c) slipway' }[role],
        load === '5k' ? '5000 req/s offered' : `c=${load}`,
        result.rps.toFixed(0),
        result.p50.toFixed(2),
        result.p99.toFixed(2),
        result.p999.toFixed(2),
        String(result.errors),
      ]);
    }
  }
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  for (const row of rows) process.stdout.write(`${row.map((cell, column) => (column < 2 ? cell.padEnd(widths[column]) : cell.padStart(widths[column]))).join('  ')}\n`);
  if (roles.length === ROLES.length) printVerdicts(results, rss);
}

function printVerdicts(results: ReadonlyMap<string, Measurement>, rss: ReadonlyMap<Role, number>): void {
  const c64 = results.get('slipway@64')!.rps;
  const a64 = results.get('floor@64')!.rps;
  const b64 = results.get('naive@64')!.rps;
  const p99 = results.get('slipway@5k')!.p99;
  const runtimeRss = rss.get('slipway')! / 1048576;
  const verdict = (ok: boolean) => (ok ? 'meets the bar' : 'MISSES the bar');
  process.stdout.write(`\nat c=64: c/a = ${(c64 / a64).toFixed(2)} (bar >= 0.70: ${verdict(c64 / a64 >= 0.7)}), c/b = ${(c64 / b64).toFixed(2)} (bar >= 2.5: ${verdict(c64 / b64 >= 2.5)})\n`);
  process.stdout.write(`at 5000 req/s offered: slipway p99 = ${p99.toFixed(2)} ms (bar <= 5 ms: ${verdict(p99 <= 5)})\n`);
  process.stdout.write(`RSS after load: slipway ${runtimeRss.toFixed(0)} MB (bar < 250 MB: ${verdict(runtimeRss < 250)}), naive ${(rss.get('naive')! / 1048576).toFixed(0)} MB, floor ${(rss.get('floor')! / 1048576).toFixed(0)} MB\n`);
}

function optionValue(name: string): string | undefined {
  const at = process.argv.indexOf(name);
  return at === -1 ? undefined : process.argv[at + 1];
}

const mode = process.argv[2];
if (mode === '--serve') await serve(JSON.parse(process.argv[3]) as ServeArgs);
else if (mode === '--open-loop') await openLoop(JSON.parse(process.argv[3]) as OpenLoopArgs);
else await main();
