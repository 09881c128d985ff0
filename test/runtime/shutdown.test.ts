/** `slipway serve` as a process: one ready line with its URL; SIGTERM drains requests in flight and exits 0. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PROJECT_ROOT } from '../support/example-repo.js';
import { freePort } from '../support/free-port.js';
import { writeBundleFile, writeFixtureBundle } from '../support/onnx-fixture.js';
import { postJson, sampleUser } from './feature-fixture.js';

describe('slipway serve', () => {
  let root = '';
  let bundleFile = '';

  before(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'slipway-serve-'));
    const fixture = await writeFixtureBundle(root, 'staging', (bundle) => ({ ...bundle, onlineStore: undefined }));
    bundleFile = await writeBundleFile(path.join(root, 'bundle.json'), fixture.bundle);
  });

  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('logs its URL when ready, then drains in-flight requests and exits 0 on SIGTERM', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, [path.join(PROJECT_ROOT, 'build/cli/main.js'), 'serve', '--bundle', bundleFile, '--port', String(port), '--host', '127.0.0.1'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    const readyLine = await new Promise<string>((resolve, reject) => {
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        const line = stderr.split('\n').find((candidate) => candidate.includes('ready at'));
        if (line !== undefined) resolve(line);
      });
      child.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${stderr}`)));
    });
    assert.match(readyLine, new RegExp(`^slipway serve: fraud-detector 1\\.4\\.0 \\(stable\\), 2\\.0\\.0 \\(canary\\) ready at http://127\\.0\\.0\\.1:${port}$`));
    const url = `http://127.0.0.1:${port}/v2/models/fraud-detector/score`;
    const inFlight = Array.from({ length: 200 }, (_, index) => postJson(url, { entities: { user_id: `u-${index}`, transaction_id: 't' }, features: sampleUser(index).transaction }));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    // Terminate as soon as the server is answering, while the rest of the burst is still arriving.
    await Promise.race(inFlight);
    child.kill('SIGTERM');
    const responses = await Promise.allSettled(inFlight);
    assert.equal(await exited, 0, stderr);
    // Requests already accepted finish with answers; none is cut off with a server error.
    for (const response of responses) if (response.status === 'fulfilled') assert.equal(response.value.status, 200);
    assert.ok(responses.some((response) => response.status === 'fulfilled'), 'some requests were in flight and answered');
  });

  it('stays up but unready, counting and logging why, when the stable artifact does not match its sha256', async () => {
    const broken = path.join(root, 'broken.json');
    const { readFile, writeFile } = await import('node:fs/promises');
    const bundle = JSON.parse(await readFile(bundleFile, 'utf8')) as { versions: { artifact: { sha256: string } }[] };
    bundle.versions[0].artifact.sha256 = '0'.repeat(64);
    await writeFile(broken, JSON.stringify(bundle));
    const port = await freePort();
    const child = spawn(process.execPath, [path.join(PROJECT_ROOT, 'build/cli/main.js'), 'serve', '--bundle', broken, '--port', String(port), '--host', '127.0.0.1'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setInterval(() => stderr.includes('not ready') && (clearInterval(timer), resolve()), 50);
        child.once('exit', (code) => (clearInterval(timer), reject(new Error(`serve exited with ${code}: ${stderr}`))));
      });
      // Alive (the kubelet does not restart it), not ready (no traffic reaches it), and it says why.
      assert.equal((await fetch(`http://127.0.0.1:${port}/v2/health/live`)).status, 200);
      assert.equal((await fetch(`http://127.0.0.1:${port}/v2/health/ready`)).status, 503);
      const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      assert.match(metrics, /slipway_artifact_fetches_total\{model="fraud-detector",version="[^"]+",result="sha256-mismatch"\} 1/);
      assert.match(metrics, /slipway_serving\{model="fraud-detector"\} 0/);
      assert.match(stderr, /artifact .*model\.onnx: sha256 is [0-9a-f]{64}, the bundle expects 0{64}; refusing to load it/);
      assert.doesNotMatch(stderr, /\n\s+at /, 'no stack trace');
    } finally {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
  });
});
