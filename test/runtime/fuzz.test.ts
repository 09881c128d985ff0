/**
 * 20,000 seeded hostile requests against `slipway serve` in its own process, over every route:
 * no 5xx, the runtime still ready and answering, and its resident memory back within 10 % of the
 * warmed-up figure after a short idle. The status histogram is printed for the closing notes.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Rng } from '../../features/rng.js';
import { CLI_PATH } from '../support/cli.js';
import { freePort } from '../support/free-port.js';
import { writeBundleFile, writeFixtureBundle } from '../support/onnx-fixture.js';
import { sampleUser } from './feature-fixture.js';
import { type FuzzCase, nextFuzzCase } from './fuzz-requests.js';
import { sleep } from './load.js';

const REQUESTS = 20_000;
const WARM_UP = 3_000;
const CONCURRENCY = 16;

describe('the runtime under 20,000 hostile requests', () => {
  let root: string;
  let child: ChildProcess;
  let port: number;
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });

  before(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'slipway-fuzz-'));
    const fixture = await writeFixtureBundle(root, 'staging', (bundle) => ({ ...bundle, onlineStore: undefined }));
    const bundleFile = await writeBundleFile(path.join(root, 'bundle.json'), fixture.bundle);
    port = await freePort();
    child = spawn(process.execPath, [CLI_PATH, 'serve', '--bundle', bundleFile, '--port', String(port), '--host', '127.0.0.1'], { stdio: ['ignore', 'ignore', 'pipe'] });
    await new Promise<void>((resolve, reject) => {
      let stderr = '';
      child.stderr!.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        if (stderr.includes('ready at')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${stderr}`)));
    });
  });

  after(async () => {
    agent.destroy();
    child?.kill('SIGTERM');
    await rm(root, { recursive: true, force: true });
  });

  const send = (fuzz: FuzzCase): Promise<string> => (fuzz.kind === 'raw' ? sendRaw(port, fuzz.bytes) : sendHttp(port, agent, fuzz));

  const round = async (rng: Rng, count: number) => {
    const statuses = new Map<string, number>();
    let next = 0;
    const worker = async () => {
      while (next < count) {
        next += 1;
        const status = await send(nextFuzzCase(rng));
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    return statuses;
  };

  it('answers none of them with a 5xx, stays ready, and gives its memory back', async () => {
    const rng = new Rng(2026);
    await round(rng, WARM_UP);
    await sleep(2_000);
    const warmRss = residentBytes(child.pid!);
    const statuses = await round(rng, REQUESTS);
    await sleep(2_000);
    const idleRss = residentBytes(child.pid!);
    const histogram = [...statuses].sort(([a], [b]) => a.localeCompare(b));
    process.stdout.write(`# fuzz statuses over ${REQUESTS} requests: ${histogram.map(([status, count]) => `${status}: ${count}`).join(', ')}\n`);
    process.stdout.write(`# resident memory: ${(warmRss / 1048576).toFixed(1)} MiB warmed up, ${(idleRss / 1048576).toFixed(1)} MiB after the fuzz and 2 s idle\n`);
    const serverErrors = histogram.filter(([status]) => status.startsWith('5'));
    assert.deepEqual(serverErrors, [], `no 5xx: ${JSON.stringify(histogram)}`);
    assert.ok((statuses.get('200') ?? 0) > REQUESTS / 50, 'valid requests are in the mix and answered');
    assert.ok([...statuses.keys()].filter((status) => status.startsWith('4')).length >= 5, `many kinds of refusal: ${JSON.stringify(histogram)}`);
    const ready = await sendHttp(port, agent, { kind: 'http', method: 'GET', path: '/v2/health/ready', contentType: '', body: Buffer.alloc(0) });
    assert.equal(ready, '200');
    const valid = JSON.stringify({ entities: { user_id: 'user-1', transaction_id: 't-1' }, features: sampleUser(1).transaction });
    assert.equal(await sendHttp(port, agent, { kind: 'http', method: 'POST', path: '/v2/models/fraud-detector/score', contentType: 'application/json', body: Buffer.from(valid) }), '200');
    assert.ok(idleRss <= warmRss * 1.1, `resident memory grew from ${warmRss} to ${idleRss} bytes`);
  });
});

function sendHttp(port: number, agent: Agent, fuzz: Extract<FuzzCase, { kind: 'http' }>): Promise<string> {
  return new Promise((resolve) => {
    const headers: Record<string, string | number> = { 'content-length': fuzz.body.length };
    if (fuzz.contentType !== '') headers['content-type'] = fuzz.contentType;
    const outgoing = request({ host: '127.0.0.1', port, path: fuzz.path, method: fuzz.method, headers, agent }, (response) => {
      response.resume();
      response.on('end', () => resolve(String(response.statusCode)));
      response.on('error', () => resolve('reset'));
    });
    outgoing.on('error', () => resolve('reset'));
    outgoing.end(fuzz.body);
  });
}

// Raw bytes on a fresh socket: the status line of the answer, or how the socket ended.
function sendRaw(port: number, bytes: Buffer): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    const done = (status: string) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(status);
    };
    const timer = setTimeout(() => done('no answer in 300 ms'), 300);
    socket.on('data', (chunk) => {
      answer += chunk.toString('latin1');
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(answer)?.[1];
      if (status !== undefined) done(status);
    });
    socket.on('error', () => done('reset'));
    socket.on('close', () => done(answer === '' ? 'closed' : 'unparsed answer'));
    socket.write(bytes);
  });
}

function residentBytes(pid: number): number {
  const kib = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kib) * 1024;
}
