/**
 * The README is a promise: its first screen gives the two commands, and every `slipway` command
 * it shows is a real command that runs. Quick ones run here; servers and the demo are run through
 * the CLI by their own tests, which this file checks exist.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { COMMANDS } from '../cli/commands/index.js';
import { runCli } from './support/cli.js';
import { copyExampleRepo, PROJECT_ROOT } from './support/example-repo.js';
import { startRedis, type TestRedis } from './support/redis-server.js';

const readme = await readFile(path.join(PROJECT_ROOT, 'README.md'), 'utf8');
const mentioned = [...new Set([...readme.matchAll(/`slipway ([a-z]+)/g)].map((match) => match[1]))].sort();

describe('the README', () => {
  it('gives the two commands on its first screen, and package.json runs them', async () => {
    const firstScreen = readme.split('\n').slice(0, 25).join('\n');
    assert.match(firstScreen, /^npm ci && npm start\s+#/m);
    assert.match(firstScreen, /^npm test\s+#/m);
    const scripts = (JSON.parse(await readFile(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    assert.match(scripts.start, /build\/cli\/main\.js demo$/);
    assert.match(scripts.test, /node --test .*build\/test -name "\*\.test\.js"/);
    const ci = await readFile(path.join(PROJECT_ROOT, '.ci/run'), 'utf8');
    assert.match(ci, /^npm test$/m, '.ci/run runs the README test command');
  });

  it('mentions only commands that exist, and each answers --help', async () => {
    assert.ok(mentioned.length >= 10, `found ${mentioned.join(', ')}`);
    for (const name of mentioned) {
      assert.ok(name in COMMANDS, `README mentions 'slipway ${name}', which is not a command`);
      const help = await runCli([name, '--help']);
      assert.equal(help.code, 0, `slipway ${name} --help: ${help.stderr}`);
      assert.match(help.stdout, new RegExp(`usage: slipway ${name}`));
    }
  });

  it('every command is mentioned in the README', () => {
    assert.deepEqual(Object.keys(COMMANDS).filter((name) => !mentioned.includes(name)), []);
  });
});

describe('the README commands, run', () => {
  let repo: { root: string; dispose: () => Promise<void> };
  let scratch: string;
  let redis: TestRedis;
  before(async () => {
    repo = await copyExampleRepo();
    scratch = await mkdtemp(path.join(tmpdir(), 'slipway-readme-'));
    redis = await startRedis();
    const git = (...args: string[]) => execFileSync('git', ['-C', repo.root, '-c', 'user.email=t@example.com', '-c', 'user.name=t', ...args], { stdio: 'pipe' });
    git('init', '-q');
    git('add', '.');
    git('commit', '-qm', 'example');
  });
  after(async () => {
    await redis.stop();
    await repo.dispose();
    await rm(scratch, { recursive: true, force: true });
  });

  const ok = async (args: string[], cwd = repo.root) => {
    const run = await runCli(args, { cwd });
    assert.equal(run.code, 0, `slipway ${args.join(' ')}\n${run.stderr}`);
    return run;
  };

  it('validate, render --check, codeowners --check and diff pass on the example', async () => {
    await ok(['validate']);
    await ok(['validate', '--format', 'github']);
    await ok(['render', '--check']);
    await ok(['codeowners', '--check']);
    const diff = await ok(['diff', '--base', 'HEAD', '--format', 'markdown']);
    assert.match(diff.stdout, /\| dev \| 0 \| 0 \| 0 \|/);
  });

  it('schemas writes one schema per kind', async () => {
    await ok(['schemas', '--out', path.join(scratch, 'schemas')]);
    assert.equal((await readdir(path.join(scratch, 'schemas'))).length, 9);
  });

  it('init scaffolds a repository that validates', async () => {
    await ok(['init', path.join(scratch, 'new-repo')]);
    await ok(['validate', path.join(scratch, 'new-repo')]);
  });

  it('data generate, materialize and train run on the example', async () => {
    const data = path.join(scratch, 'data');
    await ok(['data', 'generate', '--rows', '3000', '--out', data]);
    const materialized = await ok(['materialize', '--redis', redis.url, '--data', path.join(data, 'transactions.csv')]);
    assert.match(materialized.stderr + materialized.stdout, /transaction-features/);
    const trained = await ok(['train', 'fraud-detector', '--data', path.join(data, 'transactions.csv'), '--out', path.join(scratch, 'out'), '--param', 'trees=10']);
    const resultPath = trained.stdout.trim().split('\n').at(-1)!;
    assert.match(resultPath, /training-result\.json$/);
  });

  it('serve, controller, pr and demo are run through the CLI by their own tests', async () => {
    const runsThroughCli: Record<string, string> = {
      serve: 'test/runtime/shutdown.test.ts',
      controller: 'test/controllers/cli.test.ts',
      pr: 'test/controllers/cli.test.ts',
      demo: 'test/cli/demo.test.ts',
    };
    for (const [command, file] of Object.entries(runsThroughCli)) {
      const text = await readFile(path.join(PROJECT_ROOT, file), 'utf8');
      assert.ok(text.includes(`'${command}'`), `${file} does not run 'slipway ${command}'`);
    }
  });
});
