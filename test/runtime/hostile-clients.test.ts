/**
 * Clients that abort, trickle or hold connections: an abort is its own outcome and never a server
 * error; slow headers, slow bodies and too many connections are shed with 408 (or closed) while
 * valid requests keep being answered.
 */
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { postJson, sampleUser, sampleValue, startFixtureRuntime } from './feature-fixture.js';
import { sleep } from './load.js';

const PATH = '/v2/models/fraud-detector/score';
const valid = () => JSON.stringify({ entities: { user_id: 'user-1', transaction_id: 't-1' }, features: sampleUser(1).transaction });

describe('hostile clients', () => {
  let started: Awaited<ReturnType<typeof startFixtureRuntime>>;
  let port: number;
  const metrics = async () => (await fetch(`${started.runtime.url}/metrics`)).text();

  before(async () => {
    started = await startFixtureRuntime('staging', (bundle) => ({ ...bundle, onlineStore: undefined }), {
      onlineStore: null,
      connectionLimits: { headersTimeoutMs: 1_000, requestTimeoutMs: 4_000, minBodyBytesPerSecond: 1_024, bodyGraceMs: 500, maxConnections: 150 },
    });
    port = started.runtime.port;
  });
  after(() => started?.dispose());

  /** A socket that has sent `text` and stays open; its first status line is `status`. */
  const openSocket = (text: string) => {
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    const status = new Promise<string>((resolve) => {
      socket.on('data', (chunk) => {
        answer += chunk.toString('latin1');
        const code = /^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1];
        if (code !== undefined) resolve(code);
      });
      socket.on('close', () => resolve(answer === '' ? 'closed' : 'unparsed'));
      socket.on('error', () => undefined);
    });
    socket.write(text);
    return { socket, status };
  };

  it('counts 100 uploads the client abandoned as aborted, not as errors, and logs none', async () => {
    const before = started.logs.length;
    const sockets: Socket[] = [];
    for (let index = 0; index < 100; index += 1) {
      const { socket } = openSocket(`POST ${PATH} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"entities":`);
      sockets.push(socket);
    }
    await sleep(200);
    for (const socket of sockets) socket.destroy();
    await sleep(300);
    const text = await metrics();
    assert.equal(sampleValue(text, 'slipway_request_duration_seconds_count', { model: '', version: '', route: 'score', status: 'aborted' }), 100);
    assert.equal(sampleValue(text, 'slipway_request_duration_seconds_count', { model: '', version: '', route: 'score', status: '500' }), null);
    assert.equal(sampleValue(text, 'slipway_prediction_errors_total', { model: 'fraud-detector', version: '2.0.0' }) ?? 0, 0);
    assert.deepEqual(started.logs.slice(before).filter((line) => line.includes('"error"')), [], 'nothing logged at error level');
  });

  it('answers a malformed chunked body with 400 and records it as an abort, not a 500', async () => {
    const { status } = openSocket(`POST ${PATH} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{"ent\r\nzz\r\n`);
    assert.equal(await status, '400');
    await sleep(100);
    const text = await metrics();
    assert.equal(sampleValue(text, 'slipway_request_duration_seconds_count', { model: '', version: '', route: 'score', status: '500' }), null);
    assert.ok((sampleValue(text, 'slipway_client_errors_total', { reason: 'malformed' }) ?? 0) >= 1);
  });

  it('sheds slowloris connections with 408 while valid requests are answered', async () => {
    const slow = Array.from({ length: 100 }, () => openSocket(`POST ${PATH} HTTP/1.1\r\nHost: x\r\n`));
    const trickle = setInterval(() => slow.forEach(({ socket }) => socket.writable && socket.write('X-Slow: 1\r\n')), 200);
    const answered: number[] = [];
    for (let index = 0; index < 20; index += 1) {
      answered.push((await postJson(`${started.runtime.url}${PATH}`, JSON.parse(valid()))).status);
      await sleep(50);
    }
    const statuses = await Promise.all(slow.map(({ status }) => status));
    clearInterval(trickle);
    slow.forEach(({ socket }) => socket.destroy());
    assert.deepEqual([...new Set(answered)], [200], 'every valid request answered while 100 slow clients trickle headers');
    assert.deepEqual([...new Set(statuses)], ['408'], 'every slow client shed with 408 Request Timeout');
    assert.ok((sampleValue(await metrics(), 'slipway_client_errors_total', { reason: 'timeout' }) ?? 0) >= 100);
  });

  it('refuses a body that trickles in below the minimum rate with 408', async () => {
    const { socket, status } = openSocket(`POST ${PATH} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 4000\r\n\r\n{`);
    const trickle = setInterval(() => socket.writable && socket.write(' '), 100);
    const answer = await status;
    clearInterval(trickle);
    socket.destroy();
    assert.equal(answer, '408');
    assert.equal((await postJson(`${started.runtime.url}${PATH}`, JSON.parse(valid()))).status, 200);
  });

  it('closes connections beyond the cap as they arrive, and serves again once they go', async () => {
    const held = Array.from({ length: 150 }, () => openSocket(''));
    await sleep(300);
    const extra = openSocket(`GET /v2/health/live HTTP/1.1\r\nHost: x\r\n\r\n`);
    assert.equal(await extra.status, 'closed', 'the 151st connection is closed unanswered');
    held.forEach(({ socket }) => socket.destroy());
    await sleep(300);
    assert.equal((await fetch(`${started.runtime.url}/v2/health/live`)).status, 200);
  });
});
