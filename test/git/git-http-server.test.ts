/**
 * The loopback smart-HTTP Git server against the real `git` client: clone, fetch and push over HTTP
 * with GitHub's token rules, refusals with GitHub's statuses, and large (chunked, gzipped) bodies.
 */
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { startGitHttpServer, type GitHttpServer } from '../support/git-http-server.js';

const TOKEN = 'ghs_test_token_1234';
const NAME = 'acme/fraud-platform.git';

interface GitResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

describe('the loopback Git HTTP server', () => {
  let dir: string;
  let bare: string;
  let work: string;
  let server: GitHttpServer;
  let pushServer: GitHttpServer;
  let readOnlyServer: GitHttpServer;
  let clones = 0;

  // A clean environment: no credential helper, no prompt, no user or system config to lean on.
  const git = (cwd: string, args: readonly string[], env: Record<string, string> = {}, input?: string): Promise<GitResult> =>
    new Promise((resolve) => {
      const environment = {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: dir,
        LANG: 'C',
        GIT_TERMINAL_PROMPT: '0',
        GIT_CONFIG_NOSYSTEM: '1',
        GIT_CONFIG_GLOBAL: '/dev/null',
        GIT_AUTHOR_NAME: 'A Person',
        GIT_AUTHOR_EMAIL: 'person@example.com',
        GIT_COMMITTER_NAME: 'A Person',
        GIT_COMMITTER_EMAIL: 'person@example.com',
        ...env,
      };
      const child = execFile('git', ['-c', 'credential.helper=', '-c', 'init.defaultBranch=main', ...args], { cwd, env: environment, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) =>
        resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, stdout: stdout.trim(), stderr }),
      );
      child.stdin?.end(input);
    });
  const ok = async (cwd: string, args: readonly string[], env?: Record<string, string>, input?: string): Promise<string> => {
    const result = await git(cwd, args, env, input);
    assert.equal(result.code, 0, `git ${args.join(' ')} failed: ${result.stderr}`);
    return result.stdout;
  };
  const basic = (user: string, password: string) => `http.extraHeader=Authorization: Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  const withToken = basic('x-access-token', TOKEN);
  const nextClone = () => path.join(dir, `clone-${++clones}`);
  /** Commits a file in the working clone and pushes it to the bare repository's `branch` through the filesystem. */
  const commitToBare = async (file: string, content: string, branch = 'main') => {
    await writeFile(path.join(work, file), content);
    await ok(work, ['add', file]);
    await ok(work, ['commit', '--quiet', '-m', `add ${file}`]);
    await ok(work, ['push', '--quiet', 'origin', `HEAD:refs/heads/${branch}`]);
    return ok(bare, ['rev-parse', `refs/heads/${branch}`]);
  };
  const statusesSince = (target: GitHttpServer, index: number) => target.requests.slice(index).map((request) => request.status);

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'slipway-git-http-'));
    bare = path.join(dir, 'fraud-platform.git');
    work = path.join(dir, 'work');
    await ok(dir, ['init', '--quiet', '--bare', bare]);
    await ok(dir, ['clone', '--quiet', bare, work]);
    await commitToBare('README.md', '# fraud platform\n');
    server = await startGitHttpServer({ repositories: { [NAME]: bare }, token: TOKEN });
    pushServer = await startGitHttpServer({ repositories: { [NAME]: bare }, token: TOKEN, allowPush: true });
    readOnlyServer = await startGitHttpServer({ repositories: { [NAME]: bare } });
  });
  after(async () => {
    await server?.stop();
    await pushServer?.stop();
    await readOnlyServer?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('clones with the token sent as Basic x-access-token through http.extraHeader', async () => {
    const clone = nextClone();
    await ok(dir, ['-c', withToken, 'clone', '--quiet', server.urlOf(NAME), clone]);
    assert.equal(await ok(clone, ['rev-parse', 'HEAD']), await ok(bare, ['rev-parse', 'refs/heads/main']));
    assert.equal(await ok(clone, ['show', 'HEAD:README.md']), '# fraud platform');
    assert.ok(server.requests.every((request) => request.status === 200), JSON.stringify(server.requests));
  });

  it('clones with the token as a Bearer header and as the password in the URL', async () => {
    await ok(dir, ['-c', `http.extraHeader=Authorization: Bearer ${TOKEN}`, 'clone', '--quiet', server.urlOf(NAME), nextClone()]);
    const inUrl = server.urlOf(NAME).replace('http://', `http://x-access-token:${TOKEN}@`);
    await ok(dir, ['clone', '--quiet', inUrl, nextClone()]);
  });

  it('serves the repository also without the .git suffix, as GitHub does', async () => {
    await ok(dir, ['-c', withToken, 'clone', '--quiet', `${server.url}/acme/fraud-platform`, nextClone()]);
  });

  it('refuses a clone without a token with 401 and a Basic challenge, and git does not prompt', async () => {
    const index = server.requests.length;
    const result = await git(dir, ['clone', server.urlOf(NAME), nextClone()]);
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /terminal prompts disabled/);
    assert.deepEqual(statusesSince(server, index), [401]);
    const challenge = await new Promise<string | undefined>((resolve, reject) => {
      httpRequest(`${server.urlOf(NAME)}/info/refs?service=git-upload-pack`, (response) => {
        response.resume();
        resolve(response.headers['www-authenticate']);
      })
        .on('error', reject)
        .end();
    });
    assert.equal(challenge, 'Basic realm="GitHub"');
  });

  it('refuses a wrong token with 401, whether in a header or in the URL', async () => {
    const index = server.requests.length;
    const header = await git(dir, ['-c', basic('x-access-token', 'wrong'), 'clone', server.urlOf(NAME), nextClone()]);
    assert.notEqual(header.code, 0);
    const inUrl = await git(dir, ['clone', server.urlOf(NAME).replace('http://', 'http://x-access-token:wrong@'), nextClone()]);
    assert.notEqual(inUrl.code, 0);
    assert.match(inUrl.stderr, /Authentication failed/);
    const statuses = statusesSince(server, index);
    assert.ok(statuses.length > 0 && statuses.every((status) => status === 401), `only 401s (got ${statuses.join(', ')})`);
  });

  it('fetches a commit made after the clone', async () => {
    const clone = nextClone();
    await ok(dir, ['-c', withToken, 'clone', '--quiet', server.urlOf(NAME), clone]);
    const sha = await commitToBare('CHANGELOG.md', 'first entry\n');
    await ok(clone, ['-c', withToken, 'fetch', '--quiet', 'origin']);
    assert.equal(await ok(clone, ['rev-parse', 'origin/main']), sha);
  });

  it('takes a fetch negotiation that git sends gzipped', async () => {
    const clone = nextClone();
    await ok(dir, ['-c', withToken, 'clone', '--quiet', server.urlOf(NAME), clone]);
    // Hundreds of local commits become `have` lines, and a wanted branch with unrelated history keeps the
    // server from answering "ready" early: later rounds pass git's 1 KiB threshold and go out gzipped.
    await ok(clone, ['fast-import', '--quiet'], {}, localCommits(await ok(clone, ['rev-parse', 'HEAD']), 300));
    await ok(work, ['checkout', '--quiet', '--orphan', 'unrelated']);
    const sha = await commitToBare('NOTES.md', 'notes\n', 'unrelated');
    await ok(work, ['checkout', '--quiet', '--force', 'main']);
    const result = await git(clone, ['-c', withToken, 'fetch', 'origin', 'unrelated'], { GIT_TRACE_CURL: '1', GIT_TRACE_CURL_NO_DATA: '1' });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /=> Send header: Content-Encoding: gzip/i);
    assert.equal(await ok(clone, ['rev-parse', 'origin/unrelated']), sha);
  });

  it('accepts a push when allowPush is set', async () => {
    const clone = nextClone();
    await ok(dir, ['-c', withToken, 'clone', '--quiet', pushServer.urlOf(NAME), clone]);
    await writeFile(path.join(clone, 'pushed.txt'), 'over http\n');
    await ok(clone, ['add', 'pushed.txt']);
    await ok(clone, ['commit', '--quiet', '-m', 'pushed over http']);
    await ok(clone, ['-c', withToken, 'push', '--quiet', 'origin', 'HEAD:refs/heads/feature']);
    assert.equal(await ok(bare, ['rev-parse', 'refs/heads/feature']), await ok(clone, ['rev-parse', 'HEAD']));
  });

  it('pushes a 2 MB pack, which git sends chunked', async () => {
    const clone = nextClone();
    await ok(dir, ['-c', withToken, 'clone', '--quiet', pushServer.urlOf(NAME), clone]);
    await writeFile(path.join(clone, 'weights.bin'), randomBytes(2 * 1024 * 1024));
    await ok(clone, ['add', 'weights.bin']);
    await ok(clone, ['commit', '--quiet', '-m', 'add weights']);
    const result = await git(clone, ['-c', withToken, 'push', 'origin', 'HEAD:refs/heads/large'], { GIT_TRACE_CURL: '1', GIT_TRACE_CURL_NO_DATA: '1' });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /=> Send header: Transfer-Encoding: chunked/i);
    assert.equal(await ok(bare, ['rev-parse', 'refs/heads/large']), await ok(clone, ['rev-parse', 'HEAD']));
    assert.equal(await ok(bare, ['cat-file', '-s', 'refs/heads/large:weights.bin']), String(2 * 1024 * 1024));
  });

  it('refuses a push with 403 when allowPush is not set, with or without a token', async () => {
    for (const target of [server, readOnlyServer]) {
      const clone = nextClone();
      await ok(dir, ['-c', withToken, 'clone', '--quiet', target.urlOf(NAME), clone]);
      await ok(clone, ['commit', '--quiet', '--allow-empty', '-m', 'not welcome']);
      const index = target.requests.length;
      const result = await git(clone, ['-c', withToken, 'push', 'origin', 'HEAD:refs/heads/refused']);
      assert.notEqual(result.code, 0);
      assert.match(result.stderr, /403/);
      assert.deepEqual(statusesSince(target, index), [403]);
      assert.equal((await git(bare, ['rev-parse', '--verify', '--quiet', 'refs/heads/refused'])).code, 1);
    }
  });

  it('answers 404 for a repository it does not serve', async () => {
    const index = server.requests.length;
    const result = await git(dir, ['-c', withToken, 'clone', `${server.url}/acme/unknown.git`, nextClone()]);
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /not found/i);
    assert.deepEqual(statusesSince(server, index), [404]);
  });

  it('kills http-backend and what it started when the client goes away', async () => {
    const { port } = new URL(server.url);
    const socket = connect(Number(port), '127.0.0.1');
    await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    // The start of a body that never completes: http-backend sits waiting for the rest.
    socket.write(
      [`POST /${NAME}/git-upload-pack HTTP/1.1`, 'Host: 127.0.0.1', `Authorization: Bearer ${TOKEN}`, 'Content-Type: application/x-git-upload-pack-request', 'Content-Length: 1000000', '', '0032want '].join('\r\n'),
    );
    const backend = await waitFor(() => childrenRunning('git-http-backend')[0]);
    // http-backend and the `git upload-pack` it started share its process group.
    await waitFor(() => (livingInGroup(backend) >= 2 ? true : undefined));
    socket.destroy();
    await waitFor(() => (livingInGroup(backend) === 0 ? true : undefined));
  });
});

/** Polls until `probe` returns a value, for up to five seconds. */
async function waitFor<T>(probe: () => T | undefined): Promise<T> {
  const deadline = Date.now() + 5_000;
  while (Date.now() < deadline) {
    const value = probe();
    if (value !== undefined) return value;
    await sleep(20);
  }
  throw new Error('timed out waiting');
}

/** Our child processes whose program is `program` (`comm` would cut its name at 15 characters). */
function childrenRunning(program: string): number[] {
  // `ps` exits 1 when nothing matches; an empty list is the answer then.
  const lines = spawnSync('ps', ['-o', 'pid=,args=', '--ppid', String(process.pid)], { encoding: 'utf8' }).stdout.split('\n');
  return lines.map((line) => line.trim().split(/\s+/)).filter(([, args]) => args !== undefined && path.basename(args) === program).map(([pid]) => Number(pid));
}

/** A `git fast-import` stream of `count` empty commits on `main` on top of `parent`. */
function localCommits(parent: string, count: number): string {
  let stream = '';
  for (let i = 0; i < count; i += 1) {
    const message = `local ${i}\n`;
    stream += `commit refs/heads/main\ncommitter A Person <person@example.com> ${1_700_000_000 + i} +0000\ndata ${message.length}\n${message}${i === 0 ? `from ${parent}\n` : ''}\n`;
  }
  return stream;
}

/** Processes in a process group that still run; zombies left for init to reap do not count. */
function livingInGroup(group: number): number {
  const lines = spawnSync('ps', ['-e', '-o', 'pgid=,stat='], { encoding: 'utf8' }).stdout.split('\n');
  return lines.map((line) => line.trim().split(/\s+/)).filter(([pgid, stat]) => Number(pgid) === group && stat !== undefined && !stat.startsWith('Z')).length;
}
