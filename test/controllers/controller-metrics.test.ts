/** `slipway controller --watch` serves its own metrics at GET /metrics, beside /healthz and the webhook. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { CLI_PATH } from '../support/cli.js';
import { makeRepo, type TestRepo } from './fixtures.js';

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

async function scrape(url: string, timeoutMs = 30_000): Promise<Response> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fetch(url);
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

describe('the controller metrics endpoint', () => {
  let repo: TestRepo;
  before(async () => {
    repo = await makeRepo();
  });
  after(() => repo.dispose());

  it('exports the auto-merge refusal counter for every reason, at 0 before any refusal', async () => {
    const port = await freePort();
    // Outside a cluster (no Lease), with a webhook secret so the webhook handler is the one wrapped.
    const { KUBERNETES_SERVICE_HOST: _cluster, ...outside } = process.env;
    const env = { ...outside, GITHUB_TOKEN: '', KUBECONFIG: '', SLIPWAY_WEBHOOK_SECRET: 's3cret' };
    const child = spawn(process.execPath, [CLI_PATH, 'controller', '--watch', repo.root, '--forge', 'local', '--cluster', 'off', '--interval', '1h', '--port', String(port), '--prometheus', 'http://127.0.0.1:1'], { env, stdio: 'ignore' });
    try {
      const response = await scrape(`http://127.0.0.1:${port}/metrics`);
      assert.equal(response.status, 200);
      assert.match(response.headers.get('content-type') ?? '', /^text\/plain/);
      const text = await response.text();
      for (const reason of ['auto-merge-not-allowed', 'merge-method-not-allowed', 'base-modified', 'head-moved', 'not-mergeable']) {
        assert.match(text, new RegExp(`^slipway_controller_automerge_refusals_total\\{reason="${reason}"\\} 0$`, 'm'));
      }
      // The webhook still answers beside it (an unsigned delivery is refused, not served as metrics).
      const webhook = await fetch(`http://127.0.0.1:${port}/webhook`, { method: 'POST', body: '{}' });
      assert.notEqual(webhook.status, 200);
    } finally {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
  });
});
