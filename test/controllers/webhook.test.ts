/** Webhook signatures, and the watch loop they wake. */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { Webhooks } from '@octokit/webhooks';
import { createWebhookHandler } from '../../controllers/webhook.js';
import { watch } from '../../controllers/watch.js';

const SECRET = 'a webhook secret';

describe('the webhook endpoint', () => {
  let server: Server;
  let url: string;
  const merged: { number: number; branch: string }[] = [];
  const post = (body: string, headers: Record<string, string>) => fetch(`${url}/webhook`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
  const event = (merged: boolean) => JSON.stringify({ action: 'closed', pull_request: { number: 7, merged, head: { ref: 'slipway/abort/fraud-detector/prod' } } });

  before(async () => {
    server = createServer(createWebhookHandler({ secret: SECRET, onMerged: (pr) => merged.push(pr) }));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  after(() => new Promise((resolve) => server.close(resolve)));

  it('answers 401 to an unsigned request', async () => {
    const response = await post(event(true), { 'x-github-event': 'pull_request' });
    assert.equal(response.status, 401);
    assert.deepEqual(merged, []);
  });

  it('answers 401 to a request signed with another secret', async () => {
    const signature = await new Webhooks({ secret: 'not the secret' }).sign(event(true));
    const response = await post(event(true), { 'x-github-event': 'pull_request', 'x-hub-signature-256': signature });
    assert.equal(response.status, 401);
    assert.deepEqual(merged, []);
  });

  it('answers 401 when the body was changed after signing', async () => {
    const signature = await new Webhooks({ secret: SECRET }).sign(event(false));
    const response = await post(event(true), { 'x-github-event': 'pull_request', 'x-hub-signature-256': signature });
    assert.equal(response.status, 401);
  });

  it('ignores a signed event that closed a PR without merging it', async () => {
    const body = event(false);
    const response = await post(body, { 'x-github-event': 'pull_request', 'x-hub-signature-256': await new Webhooks({ secret: SECRET }).sign(body) });
    assert.equal(response.status, 200);
    assert.deepEqual(merged, []);
  });

  it('triggers a reconcile for a signed merged pull_request event', async () => {
    const body = event(true);
    const response = await post(body, { 'x-github-event': 'pull_request', 'x-hub-signature-256': await new Webhooks({ secret: SECRET }).sign(body) });
    assert.equal(response.status, 202);
    assert.deepEqual(merged, [{ number: 7, branch: 'slipway/abort/fraud-detector/prod' }]);
  });

  it('triggers a reconcile for an event sent form-encoded, GitHub\'s default content type', async () => {
    merged.length = 0;
    const body = new URLSearchParams({ payload: event(true) }).toString();
    const signature = await new Webhooks({ secret: SECRET }).sign(body);
    const response = await post(body, { 'content-type': 'application/x-www-form-urlencoded', 'x-github-event': 'pull_request', 'x-hub-signature-256': signature });
    assert.equal(response.status, 202, await response.text());
    assert.deepEqual(merged, [{ number: 7, branch: 'slipway/abort/fraud-detector/prod' }]);
  });

  it('answers 401 to a form whose payload was signed in its JSON form only', async () => {
    merged.length = 0;
    const body = new URLSearchParams({ payload: event(true) }).toString();
    const signature = await new Webhooks({ secret: SECRET }).sign(event(true));
    const response = await post(body, { 'content-type': 'application/x-www-form-urlencoded', 'x-github-event': 'pull_request', 'x-hub-signature-256': signature });
    assert.equal(response.status, 401);
    assert.deepEqual(merged, []);
  });

  it('answers 400 to a signed form without a payload field', async () => {
    const body = 'other=1';
    const response = await post(body, { 'content-type': 'application/x-www-form-urlencoded', 'x-github-event': 'pull_request', 'x-hub-signature-256': await new Webhooks({ secret: SECRET }).sign(body) });
    assert.equal(response.status, 400);
  });

  it('serves a health check', async () => {
    assert.equal((await fetch(`${url}/healthz`)).status, 200);
  });
});

describe('the watch loop', () => {
  it('reconciles at once when triggered instead of waiting for the interval', async () => {
    const controller = new AbortController();
    let runs = 0;
    let reached: (() => void) | null = null;
    const loop = watch({
      reconcile: async () => {
        runs++;
        reached?.();
      },
      intervalMs: 3_600_000,
      signal: controller.signal,
      log: () => {},
    });
    await new Promise<void>((resolve) => setImmediate(resolve));
    assert.equal(runs, 1, 'the first reconcile runs at start');
    const second = new Promise<void>((resolve) => (reached = resolve));
    loop.trigger();
    await second;
    assert.equal(runs, 2);
    controller.abort();
    await loop.done;
  });

  it('keeps going after a failed reconcile', async () => {
    const controller = new AbortController();
    const messages: string[] = [];
    let runs = 0;
    const loop = watch({
      reconcile: async () => {
        runs++;
        if (runs === 1) throw new Error('prometheus fell over');
        controller.abort();
      },
      intervalMs: 1,
      signal: controller.signal,
      log: (message) => messages.push(message),
    });
    await loop.done;
    assert.equal(runs, 2);
    assert.deepEqual(messages, ['reconcile failed; retrying on the next tick']);
  });
});
