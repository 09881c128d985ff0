/**
 * Labels across a fleet: three runtime replicas share a real Redis behind a round-robin loopback
 * balancer; every label goes to another replica than the one that made the prediction, and one
 * replica restarts between the two halves of the traffic. A real Prometheus scrapes them all, and
 * the confusion counts it holds (and the controller's F1 query) equal those of a single replica
 * given the same traffic, and the truth the test computed itself.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import type { RuntimeBundle } from '../../core/bundle.js';
import { f1Query } from '../../controllers/sources/queries.js';
import { startEndpointBalancer, type EndpointBalancer } from '../support/endpoint-balancer.js';
import { startPrometheus, type TestPrometheus } from '../support/prometheus-server.js';
import { startRedis, type TestRedis } from '../support/redis-server.js';
import { postJson, sampleUser, startFixtureRuntime, writeFeatures } from './feature-fixture.js';
import { eventually, sleep } from './load.js';

type Started = Awaited<ReturnType<typeof startFixtureRuntime>>;
type Cells = Record<string, Record<'tp' | 'fp' | 'tn' | 'fn', number>>;

const MODEL_PATH = '/v2/models/fraud-detector';
const NAMESPACE = 'ml-staging';
const USERS = 60;
const PREDICTIONS = 240;

/** POSTs JSON on a fresh TCP connection, so that a round-robin balancer picks the next replica. */
function postOnNewConnection(url: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const target = new URL(url);
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      { agent: false, host: target.hostname, port: target.port, path: target.pathname, method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown> }));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** The i-th request of the traffic: a cardholder (sticky to a version) and a transaction. */
function scoreBody(index: number): Record<string, unknown> {
  const user = index % USERS;
  return { id: `req-${index}`, entities: { user_id: `user-${user}`, transaction_id: `t-${index}` }, features: sampleUser(index).transaction };
}

/** The true label of the i-th request: mostly what was predicted, every third one a coin of its own. */
function labelOf(index: number, predictedClass: string): 0 | 1 {
  if (index % 3 === 0) return ((index * 7) % 5) % 2 === 0 ? 1 : 0;
  return predictedClass === 'fraud' ? 1 : 0;
}

function cellOf(predictedClass: string, label: 0 | 1): 'tp' | 'fp' | 'tn' | 'fn' {
  if (predictedClass === 'fraud') return label === 1 ? 'tp' : 'fp';
  return label === 1 ? 'fn' : 'tn';
}

function addCell(cells: Cells, version: string, cell: keyof Cells[string]): void {
  cells[version] ??= { tp: 0, fp: 0, tn: 0, fn: 0 };
  cells[version][cell] += 1;
}

function f1(cells: Cells[string]): number {
  return (2 * cells.tp) / (2 * cells.tp + cells.fp + cells.fn);
}

/**
 * The confusion counts Prometheus holds for `namespace`, summed over pods, as increase() counts
 * them before it extrapolates: each rise between two samples, and after a reset the new value.
 */
async function countsInPrometheus(prometheus: TestPrometheus, namespace: string): Promise<Cells> {
  const query = `slipway_outcomes_total{namespace="${namespace}"}[10m]`;
  const response = await fetch(`${prometheus.url}/api/v1/query?query=${encodeURIComponent(query)}`);
  const body = (await response.json()) as { data: { result: { metric: Record<string, string>; values: [number, string][] }[] } };
  const cells: Cells = {};
  for (const series of body.data.result) {
    const values = series.values.map(([, value]) => Number(value));
    let increase = 0;
    for (let index = 1; index < values.length; index += 1) increase += values[index] >= values[index - 1] ? values[index] - values[index - 1] : values[index];
    cells[series.metric.version] ??= { tp: 0, fp: 0, tn: 0, fn: 0 };
    cells[series.metric.version][series.metric.outcome as 'tp'] += increase;
  }
  return cells;
}

/** A runtime on the fixture bundle of staging, reading features and keeping records in `redis`. */
function startReplica(redis: TestRedis, port = 0): Promise<Started> {
  const withStore = (bundle: RuntimeBundle): RuntimeBundle => ({ ...bundle, onlineStore: { redis: { url: redis.url, nodes: [] }, timeoutMs: 1_000 } });
  return startFixtureRuntime('staging', withStore, { port, shutdown: { drainDelayMs: 0, drainTimeoutMs: 2_000 } });
}

describe('feedback labels across a fleet of replicas', () => {
  let fleetRedis: TestRedis;
  let singleRedis: TestRedis;
  const replicas: Started[] = [];
  let single: Started;
  let balancer: EndpointBalancer;
  let prometheus: TestPrometheus;
  let singlePrometheus: TestPrometheus;

  before(async () => {
    fleetRedis = await startRedis();
    singleRedis = await startRedis();
    for (let index = 0; index < 3; index += 1) replicas.push(await startReplica(fleetRedis));
    single = await startReplica(singleRedis);
    for (const redis of [fleetRedis, singleRedis]) {
      const client = new Redis(redis.url);
      await writeFeatures(client, single.fixture.bundle, Array.from({ length: USERS }, (_, index) => sampleUser(index).user));
      client.disconnect();
    }
    balancer = await startEndpointBalancer(replicas.map((replica) => replica.runtime.port));
    prometheus = await startPrometheus(replicas.map((replica) => `127.0.0.1:${replica.runtime.port}`), '500ms', [], { namespace: NAMESPACE });
    singlePrometheus = await startPrometheus([`127.0.0.1:${single.runtime.port}`], '500ms', [], { namespace: NAMESPACE });
    await prometheus.waitForTargetsUp();
    await singlePrometheus.waitForTargetsUp();
  });

  after(async () => {
    await balancer?.stop();
    await prometheus?.stop();
    await singlePrometheus?.stop();
    for (const replica of replicas) await replica.dispose();
    await single?.dispose();
    await fleetRedis?.stop();
    await singleRedis?.stop();
  });

  it('count each label once, on any replica, through a restart, exactly as one replica does', async () => {
    // Arrange: who predicted what, as each answer says, and the truth it implies.
    const predictedBy = new Map<number, number>();
    const predicted = new Map<number, { version: string; className: string }>();
    const truth: Cells = {};
    const singleTruth: Cells = {};
    const predict = async (from: number, to: number) => {
      for (let index = from; index < to; index += 1) {
        const connections = balancer.connections.length;
        const fleet = await postOnNewConnection(`${balancer.url}${MODEL_PATH}/score`, scoreBody(index));
        assert.equal(fleet.status, 200, JSON.stringify(fleet.body));
        predictedBy.set(index, replicas.findIndex((replica) => replica.runtime.port === balancer.connections[connections].endpoint));
        predicted.set(index, { version: fleet.body.model_version as string, className: fleet.body.class as string });
        const alone = await postJson(`${single.runtime.url}${MODEL_PATH}/score`, scoreBody(index));
        assert.deepEqual([alone.body.model_version, alone.body.class], [fleet.body.model_version, fleet.body.class], `request ${index}`);
      }
    };
    // Each label goes to the replica after the one that predicted, and to the single runtime.
    const label = async (from: number, to: number) => {
      for (let index = from; index < to; index += 1) {
        const { version, className } = predicted.get(index)!;
        const other = replicas[(predictedBy.get(index)! + 1) % replicas.length];
        const body = { id: `req-${index}`, label: labelOf(index, className) };
        const fleet = await postJson(`${other.runtime.url}${MODEL_PATH}/feedback`, body);
        assert.equal(fleet.status, 200, `label ${index} on another replica: ${JSON.stringify(fleet.body)}`);
        assert.deepEqual([fleet.body.version, fleet.body.outcome], [version, cellOf(className, body.label)]);
        addCell(truth, version, cellOf(className, body.label));
        const alone = await postJson(`${single.runtime.url}${MODEL_PATH}/feedback`, body);
        assert.equal(alone.status, 200);
        addCell(singleTruth, version, cellOf(className, body.label));
      }
    };

    // Act: half the traffic, labels for part of it, a restart of replica 2 (once Prometheus has
    // scraped what it counted: a pod's unscraped increments end with it, as every counter's do),
    // then the rest of the traffic and every remaining label, the restarted pod's old ones included.
    await predict(0, PREDICTIONS / 2);
    await label(0, PREDICTIONS / 4);
    await sleep(1_500);
    const port = replicas[2].runtime.port;
    await replicas[2].dispose();
    replicas[2] = await startReplica(fleetRedis, port);
    await predict(PREDICTIONS / 2, PREDICTIONS);
    await label(PREDICTIONS / 4, PREDICTIONS);

    // The same label posted twice at once to two replicas counts once.
    const [first, second] = await Promise.all(replicas.slice(0, 2).map((replica) => postJson(`${replica.runtime.url}${MODEL_PATH}/feedback`, { id: `req-${PREDICTIONS - 1}`, label: 1 })));
    assert.deepEqual([first.status, second.status], [404, 404], 'already labelled above');
    const extra = await postOnNewConnection(`${balancer.url}${MODEL_PATH}/score`, { ...scoreBody(PREDICTIONS), id: 'twice' });
    assert.equal(extra.status, 200);
    await sleep(50);
    const twice = await Promise.all(replicas.map((replica) => postJson(`${replica.runtime.url}${MODEL_PATH}/feedback`, { id: 'twice', label: 0 })));
    assert.deepEqual(twice.map((answer) => answer.status).sort(), [200, 404, 404]);
    addCell(truth, extra.body.model_version as string, cellOf(extra.body.class as string, 0));
    await postJson(`${single.runtime.url}${MODEL_PATH}/score`, { ...scoreBody(PREDICTIONS), id: 'twice' });
    await sleep(50);
    assert.equal((await postJson(`${single.runtime.url}${MODEL_PATH}/feedback`, { id: 'twice', label: 0 })).status, 200);
    addCell(singleTruth, extra.body.model_version as string, cellOf(extra.body.class as string, 0));

    // Assert: every replica predicted and the traffic covered both classes, so the counts say something.
    assert.deepEqual(new Set(predictedBy.values()), new Set([0, 1, 2]));
    assert.ok(Object.values(truth).some((cells) => cells.tp > 0) && Object.values(truth).some((cells) => cells.tn > 0), JSON.stringify(truth));
    assert.deepEqual(truth, singleTruth);
    const total = PREDICTIONS + 1;
    await eventually(async () => sumCells(await countsInPrometheus(prometheus, NAMESPACE)) === total, 10_000, 'Prometheus scraping every fleet label');
    await eventually(async () => sumCells(await countsInPrometheus(singlePrometheus, NAMESPACE)) === total, 10_000, 'Prometheus scraping every single-replica label');
    const fleetCounts = await countsInPrometheus(prometheus, NAMESPACE);
    assert.deepEqual(withoutEmpty(fleetCounts), truth);
    assert.deepEqual(withoutEmpty(await countsInPrometheus(singlePrometheus, NAMESPACE)), truth);

    // The controller's F1 over the fleet: the single replica's, and the truth's, up to increase()'s
    // extrapolation at the window's end (each pod's series by its own few percent).
    for (const version of Object.keys(truth)) {
      if (!Number.isFinite(f1(truth[version]))) continue;
      const selector = { namespace: NAMESPACE, model: 'fraud-detector', version };
      const [fleetF1] = await prometheus.query(f1Query(selector, 600_000));
      const [singleF1] = await singlePrometheus.query(f1Query(selector, 600_000));
      assert.ok(Math.abs(Number(fleetF1.value[1]) - f1(truth[version])) < 0.02, `${version}: fleet F1 ${fleetF1.value[1]}, truth ${f1(truth[version])}`);
      assert.ok(Math.abs(Number(fleetF1.value[1]) - Number(singleF1.value[1])) < 0.02, `${version}: fleet F1 ${fleetF1.value[1]}, single ${singleF1.value[1]}`);
    }
  });

  it('keep each record for the environment’s label delay', async () => {
    const client = new Redis(fleetRedis.url);
    try {
      const answer = await postOnNewConnection(`${balancer.url}${MODEL_PATH}/score`, { ...scoreBody(1), id: 'ttl-probe' });
      assert.equal(answer.status, 200);
      await sleep(50);
      const keys = await client.keys('*ttl-probe');
      assert.equal(keys.length, 1, 'one record');
      assert.equal(keys[0], 'slipway:fraud-platform:staging:fraud-detector:prediction:ttl-probe');
      const ttlMs = await client.pttl(keys[0]);
      const declared = single.fixture.bundle.labelDelayMs!;
      assert.ok(ttlMs > declared - 10_000 && ttlMs <= declared, `PTTL ${ttlMs}, declared ${declared}`);
    } finally {
      client.disconnect();
    }
  });
});

function sumCells(cells: Cells): number {
  return Object.values(cells).reduce((sum, cell) => sum + cell.tp + cell.fp + cell.tn + cell.fn, 0);
}

/** Versions without a single label are pre-created series at 0: the truth does not list them. */
function withoutEmpty(cells: Cells): Cells {
  return Object.fromEntries(Object.entries(cells).filter(([, cell]) => cell.tp + cell.fp + cell.tn + cell.fn > 0));
}
