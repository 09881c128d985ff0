/**
 * The Dockerfile's structure. No Docker engine runs here (nor in CI), so the image is never built
 * by the tests: they read the Dockerfile and .dockerignore and check the rules the image relies on.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { TEMPLATE_DIR } from '../../cli/commands/init.js';
import { PROJECT_ROOT } from '../support/example-repo.js';

interface Instruction {
  readonly keyword: string;
  readonly args: string;
  readonly line: number;
}

interface Stage {
  readonly image: string;
  readonly name: string;
  readonly instructions: Instruction[];
}

/** Instructions with continuation lines joined and comments dropped. */
function parseInstructions(text: string): Instruction[] {
  const instructions: Instruction[] = [];
  let pending = '';
  let start = 0;
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (pending === '' && (line === '' || line.startsWith('#'))) return;
    if (pending === '') start = index + 1;
    pending += `${line.replace(/\\$/, '').trim()} `;
    if (line.endsWith('\\')) return;
    const [keyword, ...rest] = pending.trim().split(/\s+/);
    instructions.push({ keyword: keyword.toUpperCase(), args: rest.join(' '), line: start });
    pending = '';
  });
  return instructions;
}

/** Stages, with `${ARG}` in FROM replaced by the ARG's default from before the first FROM. */
function parseStages(instructions: readonly Instruction[]): Stage[] {
  const globalArgs = new Map<string, string>();
  const stages: Stage[] = [];
  for (const instruction of instructions) {
    if (instruction.keyword === 'ARG' && stages.length === 0) {
      const [name, value = ''] = instruction.args.split('=', 2);
      globalArgs.set(name, value);
    } else if (instruction.keyword === 'FROM') {
      const match = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(instruction.args);
      assert.ok(match, `FROM at line ${instruction.line} reads 'FROM image AS name'`);
      const image = match[1].replace(/\$\{(\w+)\}/g, (_, name: string) => globalArgs.get(name) ?? '');
      stages.push({ image, name: match[2] ?? '', instructions: [] });
    } else if (stages.length > 0) {
      stages[stages.length - 1].instructions.push(instruction);
    }
  }
  return stages;
}

async function dockerfile(): Promise<{ stages: Stage[]; build: Stage; run: Stage }> {
  const stages = parseStages(parseInstructions(await readFile(path.join(PROJECT_ROOT, 'Dockerfile'), 'utf8')));
  const build = stages.find((stage) => stage.name === 'build');
  assert.ok(build, 'a stage named build');
  return { stages, build, run: stages[stages.length - 1] };
}

const runs = (stage: Stage) => stage.instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args);
const of = (stage: Stage, keyword: string) => stage.instructions.filter((i) => i.keyword === keyword);

/** Docker's .dockerignore rule: the last pattern matching the path or one of its parents decides. */
function isSent(patterns: readonly string[], file: string): boolean {
  const parts = file.split('/');
  const candidates = parts.map((_, index) => parts.slice(0, index + 1).join('/'));
  let sent = true;
  for (const raw of patterns) {
    const negated = raw.startsWith('!');
    const pattern = negated ? raw.slice(1) : raw;
    const regex = new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')}$`);
    if (candidates.some((candidate) => regex.test(candidate))) sent = negated;
  }
  return sent;
}

async function dockerignore(): Promise<string[]> {
  const text = await readFile(path.join(PROJECT_ROOT, '.dockerignore'), 'utf8');
  return text.split('\n').map((line) => line.trim()).filter((line) => line !== '' && !line.startsWith('#'));
}

test('two stages: build with the dev dependencies, then run', async () => {
  const { stages, build, run } = await dockerfile();

  assert.deepEqual(stages.map((stage) => stage.name), ['build', 'run']);
  assert.ok(runs(build).some((command) => /^npm ci\b/.test(command) && !command.includes('--omit')), 'build installs dev dependencies');
  assert.ok(runs(build).some((command) => command.includes('tsc -p tsconfig.json')), 'build compiles TypeScript');
  assert.notEqual(build, run);
});

test('every base image is node:20-bookworm-slim pinned by its sha256 digest', async () => {
  const { stages } = await dockerfile();

  for (const stage of stages) {
    assert.match(stage.image, /^node:20-bookworm-slim@sha256:[0-9a-f]{64}$/, `stage ${stage.name}`);
  }
});

test('the final stage installs production dependencies only and copies no node_modules from the build', async () => {
  const { run } = await dockerfile();
  const installs = runs(run).filter((command) => /\bnpm (ci|install|i)\b/.test(command));

  assert.equal(installs.length, 1);
  assert.match(installs[0], /^npm ci --omit=dev\b/);
  for (const copy of of(run, 'COPY')) {
    assert.doesNotMatch(copy.args, /node_modules/, `line ${copy.line}: no node_modules from elsewhere`);
    assert.doesNotMatch(copy.args, /^\.\s+\.$/, `line ${copy.line}: the final stage does not copy the whole context`);
  }
  assert.ok(of(run, 'COPY').some((copy) => copy.args === '--from=build /app/build ./build'), 'the compiled code comes from the build stage');
});

test('npm never runs onnxruntime-node\'s download in any stage', async () => {
  const { stages } = await dockerfile();

  for (const stage of stages) {
    const env = of(stage, 'ENV').map((i) => i.args).join(' ');
    assert.match(env, /\bONNXRUNTIME_NODE_INSTALL=skip\b/, `stage ${stage.name} sets ONNXRUNTIME_NODE_INSTALL=skip`);
    const firstEnv = stage.instructions.findIndex((i) => i.keyword === 'ENV' && i.args.includes('ONNXRUNTIME_NODE_INSTALL'));
    const firstNpm = stage.instructions.findIndex((i) => i.keyword === 'RUN' && /\bnpm ci\b/.test(i.args));
    assert.ok(firstEnv < firstNpm, `stage ${stage.name}: the setting comes before npm ci`);
  }
});

test('the image runs as a numeric non-root user, set before the entrypoint and never switched back', async () => {
  const { run } = await dockerfile();
  const users = of(run, 'USER');

  assert.equal(users.length, 1);
  const [uid, gid] = users[0].args.split(':');
  assert.match(uid, /^[1-9][0-9]*$/, 'a numeric uid other than 0, so runAsNonRoot can verify it');
  assert.match(gid ?? '1', /^[1-9][0-9]*$/);
  const index = (keyword: string) => run.instructions.findIndex((i) => i.keyword === keyword);
  assert.ok(index('USER') < index('ENTRYPOINT'));
  assert.ok(run.instructions.slice(index('USER')).every((i) => i.keyword !== 'RUN'), 'nothing runs as root after USER, and nothing after it needs to');
});

test('the entrypoint is the slipway command in exec form, the same file package.json names as its bin', async () => {
  const { run } = await dockerfile();
  const packageJson = JSON.parse(await readFile(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { bin: { slipway: string } };
  const entrypoints = of(run, 'ENTRYPOINT');

  assert.equal(entrypoints.length, 1);
  assert.deepEqual(JSON.parse(entrypoints[0].args), ['node', '/app/build/cli/main.js']);
  assert.equal(packageJson.bin.slipway, 'build/cli/main.js');
});

test('slipway init finds its templates in the image where the Dockerfile puts them', async () => {
  const { run } = await dockerfile();
  const workdir = of(run, 'WORKDIR').at(-1)?.args;
  const fromCommands = path.relative(path.join(PROJECT_ROOT, 'build/cli/commands'), TEMPLATE_DIR);

  assert.equal(path.resolve(TEMPLATE_DIR), path.join(PROJECT_ROOT, 'cli/templates/init'));
  assert.equal(workdir, '/app');
  assert.ok(of(run, 'COPY').some((copy) => copy.args === '--from=build /app/cli/templates ./cli/templates'));
  assert.equal(path.posix.resolve('/app/build/cli/commands', fromCommands.split(path.sep).join('/')), '/app/cli/templates/init');
});

test('.dockerignore sends the compiled sources and the lockfile, and keeps out tests, secrets and build output', async () => {
  const patterns = await dockerignore();
  const tsconfig = JSON.parse(await readFile(path.join(PROJECT_ROOT, 'tsconfig.json'), 'utf8')) as { include: string[] };

  for (const folder of tsconfig.include.filter((name) => name !== 'test' && name !== 'bench')) {
    assert.ok(isSent(patterns, `${folder}/x.ts`), `${folder}/ reaches the build stage`);
  }
  for (const file of ['package.json', 'package-lock.json', '.npmrc', 'tsconfig.json', 'cli/templates/init/dot-npmrc']) {
    assert.ok(isSent(patterns, file), `${file} is sent`);
  }
  for (const file of ['.git/config', 'node_modules/yaml/package.json', 'build/cli/main.js', 'dist/prod/x.yaml', 'test/cli/init.test.ts', 'bench/run.ts', '.env', 'catalog/models/fraud-detector.yaml', 'data/transactions.csv']) {
    assert.ok(!isSent(patterns, file), `${file} stays out of the image`);
  }
});
