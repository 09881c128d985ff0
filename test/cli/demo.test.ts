/**
 * `slipway demo --fast` as a newcomer runs it: the whole loop on real Redis, Prometheus, runtimes
 * and the local forge, the PRs it opened, what serves at the end, and nothing left running after
 * it ends, fails fast or is interrupted.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, symlink } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { CLI_PATH, runCli } from '../support/cli.js';
import { requireBinary } from '../support/processes.js';

/** The demo's temporary directory, as its second step prints it. */
function workspaceRoot(stdout: string): string {
  const match = /(\S*slipway-demo-[A-Za-z0-9]+)\/repo/.exec(stdout);
  assert.ok(match, `the demo prints where its repository is:\n${stdout}`);
  return match[1];
}

/** Processes whose command line mentions `needle` (the demo's directory is in every child's arguments). */
async function processesMentioning(needle: string): Promise<string[]> {
  const found: string[] = [];
  for (const pid of (await readdir('/proc')).filter((name) => /^\d+$/.test(name))) {
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.includes(needle)) found.push(`${pid}: ${cmdline.replace(/\0/g, ' ').trim()}`);
  }
  return found;
}

/** The rows of the final PR table: `#N kind state title`. */
function prRows(stdout: string): { number: number; kind: string; state: string; title: string }[] {
  const rows: { number: number; kind: string; state: string; title: string }[] = [];
  for (const line of stdout.split('\n')) {
    const match = /^#(\d+)\s+(\S+)\s+(open|merged|closed)\s+(.+?)\s{2,}/.exec(line);
    if (match !== null) rows.push({ number: Number(match[1]), kind: match[2], state: match[3], title: match[4] });
  }
  return rows;
}

function listen(port = 0): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

describe('slipway demo', () => {
  it('--fast runs the whole loop: the PRs it opened, the versions serving at the end, nothing left running', async () => {
    requireBinary('redis-server', 'redis-server');
    requireBinary('prometheus', 'prometheus');
    const run = await runCli(['demo', '--fast', '--port', '0'], { cwd: tmpdir(), timeoutMs: 600_000 });
    assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);

    const rows = prRows(run.stdout);
    assert.deepEqual(
      rows.slice(0, 7).map(({ kind, state }) => `${kind} ${state}`),
      ['version/dev merged', 'version/dev merged', 'promote/staging merged', 'canary/staging merged', 'canary/staging merged', 'canary/staging merged', 'promote/prod merged'],
      run.stdout,
    );
    // The rollback and the retrain request come in whichever order the drift is measured.
    assert.deepEqual(rows.slice(7).map(({ kind, state }) => `${kind} ${state}`).sort(), ['retrain/dev open', 'rollback/prod merged']);
    assert.deepEqual(rows.map((row) => row.number), [1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.equal(rows[0].title, 'Add fraud-detector 2.1.0 and deploy it to dev');
    assert.equal(rows[1].title, 'Add fraud-detector 2.2.0 and deploy it to dev');
    assert.equal(rows[2].title, 'Promote fraud-detector 2.2.0 from dev to staging as a canary');
    assert.deepEqual(rows.slice(3, 6).map((row) => row.title), [
      'Raise fraud-detector 2.2.0 canary to 50 % in staging',
      'Raise fraud-detector 2.2.0 canary to 100 % in staging',
      'Promote fraud-detector 2.2.0 to stable in staging',
    ]);
    assert.equal(rows[6].title, 'Promote fraud-detector 2.2.0 from staging to prod');
    assert.ok(rows.some((row) => row.title === 'Roll back fraud-detector in prod from 2.2.0 to 2.0.0'), run.stdout);

    // What the runtimes answered with at the end, read from their metadata endpoints.
    assert.match(run.stdout, /^ {2}dev {6}2\.2\.0 stable {3}\(traffic: \d+ answered/m);
    assert.match(run.stdout, /^ {2}staging {2}2\.2\.0 stable {3}\(traffic: \d+ answered/m);
    assert.match(run.stdout, /^ {2}prod {5}2\.0\.0 stable {3}\(traffic: \d+ answered/m);
    assert.match(run.stdout, /The whole loop ran in/);
    assert.doesNotMatch(run.stdout, /not shown/);

    const root = workspaceRoot(run.stdout);
    assert.deepEqual(await processesMentioning(root), [], 'no redis-server, prometheus or runtime of the demo is left running');
    assert.equal(existsSync(root), false, 'the temporary repository is removed');
  });

  it('fails fast naming the port when a runtime port is taken, and starts nothing', async () => {
    const server = await listen();
    const { port } = server.address() as { port: number };
    try {
      const run = await runCli(['demo', '--fast', '--port', String(port)], { cwd: tmpdir(), timeoutMs: 60_000 });
      assert.equal(run.code, 1, run.stdout + run.stderr);
      assert.match(run.stderr, new RegExp(`^slipway: port ${port} \\(the dev runtime\\) is already in use; .*--port N`, 'm'));
      assert.doesNotMatch(run.stdout, /slipway-demo-/, 'no workspace was created');
      assert.doesNotMatch(run.stderr, /\n\s+at /, 'no stack trace');
    } finally {
      server.close();
    }
  });

  it('says how to install redis-server and prometheus when they are missing and cannot be installed here, and exits 1', async () => {
    // A PATH with a shell and git, but neither server.
    const bin = await mkdtemp(path.join(tmpdir(), 'slipway-demo-path-'));
    try {
      for (const tool of ['sh', 'git']) {
        const where = ['/usr/bin', '/bin', '/usr/local/bin'].map((dir) => path.join(dir, tool)).find((file) => existsSync(file));
        assert.ok(where, `${tool} is installed`);
        await symlink(where, path.join(bin, tool));
      }
      const run = await runCli(['demo', '--fast'], { cwd: tmpdir(), env: { PATH: bin }, timeoutMs: 60_000 });
      assert.equal(run.code, 1, run.stdout + run.stderr);
      // No apt-get on this PATH, so nothing can be installed: the packages and formulas are named.
      assert.match(run.stderr, /redis-server, prometheus are not installed, and needed because the demo keeps its repository in Git and starts a private Redis and Prometheus/);
      assert.match(run.stderr, /Install the Debian packages prometheus, redis-server or your system's equivalent:\n {2}brew install prometheus redis/);
    } finally {
      await rm(bin, { recursive: true, force: true });
    }
  });

  it('stops every process it started and removes its repository on Ctrl-C', async () => {
    requireBinary('redis-server', 'redis-server');
    requireBinary('prometheus', 'prometheus');
    const child = spawn(process.execPath, [CLI_PATH, 'demo', '--fast', '--port', '0'], { cwd: tmpdir(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const killer = setTimeout(() => child.kill('SIGKILL'), 300_000);
    try {
      // Interrupt once the runtimes serve: Redis, Prometheus and three runtimes are running then.
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (chunk) => {
          stdout += chunk;
          if (/✓ start the runtimes of dev, staging and prod/.test(stdout)) resolve();
        });
        child.once('exit', () => reject(new Error(`the demo ended before its runtimes started:\n${stdout}\n${stderr}`)));
      });
      const root = workspaceRoot(stdout);
      assert.notDeepEqual(await processesMentioning(root), [], 'the servers run before the interrupt');
      child.kill('SIGINT');
      assert.equal(await exited, 130, stdout + stderr);
      assert.match(stdout, /SIGINT: stopping every process it started/);
      assert.deepEqual(await processesMentioning(root), []);
      assert.equal(existsSync(root), false);
    } finally {
      clearTimeout(killer);
      child.kill('SIGKILL');
    }
  });
});
