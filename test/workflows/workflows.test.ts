/**
 * The GitHub workflows, checked by parsing them: `actionlint` is not available here, and GitHub
 * itself is not. What a mistake here would cost is a leaked token or a silently skipped check,
 * so the security rules are asserted on every job and step, not only on the ones named.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { parseDocument } from 'yaml';
import { PROJECT_ROOT } from '../support/example-repo.js';

interface Step {
  readonly name?: string;
  readonly uses?: string;
  readonly run?: string;
  readonly if?: string;
  readonly id?: string;
  readonly with?: Record<string, unknown>;
  readonly env?: Record<string, unknown>;
}

interface Job {
  readonly name?: string;
  readonly 'runs-on'?: string;
  readonly needs?: string | string[];
  readonly if?: string;
  readonly permissions?: Record<string, string> | string;
  readonly outputs?: Record<string, string>;
  readonly steps: readonly Step[];
  readonly env?: Record<string, unknown>;
}

interface Workflow {
  readonly name: string;
  readonly on: Record<string, unknown>;
  readonly permissions?: Record<string, string> | string;
  readonly concurrency?: { group: string; 'cancel-in-progress'?: boolean };
  readonly env?: Record<string, unknown>;
  readonly jobs: Record<string, Job>;
}

const WORKFLOW_DIR = path.join(PROJECT_ROOT, '.github/workflows');
/** The workflows `slipway init` gives every catalog repository. */
const FILES = ['controller.yml', 'pull-request.yml', 'train.yml'] as const;
/** Slipway's own: the release of its image. */
const RELEASE = 'release.yml';

/**
 * The first major of each action that runs on Node 24 (GitHub retired Node 20 on its runners),
 * read in each action's action.yml (`runs.using`) at the tag pinned; composite actions run none.
 */
const NODE24_SINCE: Record<string, number> = {
  'actions/checkout': 5,
  'actions/setup-node': 5,
  'actions/upload-artifact': 6,
  'actions/download-artifact': 7,
  'actions/github-script': 8,
  'docker/setup-buildx-action': 4,
  'docker/login-action': 4,
  'docker/build-push-action': 7,
  'actions/attest-build-provenance': 0,
  'actions/create-github-app-token': 3,
};

async function readWorkflow(file: string): Promise<{ text: string; workflow: Workflow }> {
  const text = await readFile(path.join(WORKFLOW_DIR, file), 'utf8');
  // `on` must stay a string key: YAML 1.1 would read it as `true`; the `yaml` package uses 1.2.
  const document = parseDocument(text, { uniqueKeys: true });
  assert.deepEqual(document.errors, [], `${file} parses without errors`);
  return { text, workflow: document.toJS() as Workflow };
}

async function allWorkflows(): Promise<Map<string, { text: string; workflow: Workflow }>> {
  const entries = new Map<string, { text: string; workflow: Workflow }>();
  for (const file of [...FILES, RELEASE]) entries.set(file, await readWorkflow(file));
  return entries;
}

function steps(workflow: Workflow): Array<{ job: string; step: Step }> {
  return Object.entries(workflow.jobs).flatMap(([job, definition]) => definition.steps.map((step) => ({ job, step })));
}

function scripts(job: Job): string {
  return job.steps.map((step) => step.run ?? '').join('\n');
}

function writeScopes(permissions: Job['permissions']): string[] {
  if (permissions === undefined) return ['(inherited)'];
  if (typeof permissions === 'string') return permissions === 'read-all' ? [] : [permissions];
  return Object.entries(permissions).filter(([, level]) => level === 'write').map(([scope]) => scope);
}

function stepUsing(job: Job, action: string): Step {
  const found = job.steps.find((step) => step.uses?.startsWith(`${action}@`));
  assert.ok(found, `a step uses ${action}`);
  return found;
}

test("the workflow folder holds exactly the three catalog workflows and Slipway's release, each parsing as YAML", async () => {
  const files = (await readdir(WORKFLOW_DIR)).sort();

  const workflows = await allWorkflows();

  assert.deepEqual(files, [...FILES, RELEASE].sort());
  for (const [file, { workflow }] of workflows) {
    assert.equal(typeof workflow.name, 'string', `${file} has a name`);
    assert.ok(Object.keys(workflow.jobs).length > 0, `${file} has jobs`);
  }
});

test('every action is pinned by a full commit SHA with its version in a comment', async () => {
  const shaByAction = new Map<string, string>();
  for (const [file, { text, workflow }] of await allWorkflows()) {
    const usesLines = text.split('\n').filter((line) => /^\s*(-\s+)?uses:/.test(line));
    assert.equal(usesLines.length, steps(workflow).filter(({ step }) => step.uses !== undefined).length, `${file}: every uses: line is a step`);
    for (const line of usesLines) {
      const match = /uses: ([A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+)@([0-9a-f]{40}) # v\d+\.\d+\.\d+$/.exec(line.trim().replace(/^- /, ''));
      assert.ok(match, `${file}: '${line.trim()}' is owner/repo@<40 hex> # vX.Y.Z`);
      const [, action, sha] = match;
      const major = Number(/# v(\d+)/.exec(line)![1]);
      assert.ok(action in NODE24_SINCE, `${action}: add the major it moved to Node 24 in to NODE24_SINCE`);
      assert.ok(major >= NODE24_SINCE[action], `${file}: ${action} v${major} runs on Node 20; use v${NODE24_SINCE[action]} or later`);
      // The same action at two SHAs would be two versions to audit; keep one.
      assert.equal(shaByAction.get(action) ?? sha, sha, `${action} is pinned to one SHA everywhere`);
      shaByAction.set(action, sha);
    }
  }
  assert.deepEqual([...shaByAction.keys()].sort(), Object.keys(NODE24_SINCE).sort());
});

test('no workflow is triggered by pull_request_target, and no checkout asks for a pull request head', async () => {
  for (const [file, { workflow }] of await allWorkflows()) {
    assert.ok(!('pull_request_target' in workflow.on), `${file} has no pull_request_target trigger`);
    for (const { job, step } of steps(workflow)) {
      if (!step.uses?.startsWith('actions/checkout@')) continue;
      const ref = String(step.with?.ref ?? '');
      assert.doesNotMatch(ref, /head|pull_request|workflow_run/, `${file}/${job}: checkout of the default ref only`);
      assert.equal(step.with?.['persist-credentials'], false, `${file}/${job}: the checkout keeps no token in .git/config`);
    }
  }
});

test('permissions are empty at the top and declared by every job', async () => {
  for (const [file, { workflow }] of await allWorkflows()) {
    assert.deepEqual(workflow.permissions, {}, `${file}: top-level permissions: {}`);
    for (const [name, job] of Object.entries(workflow.jobs)) {
      assert.equal(typeof job.permissions, 'object', `${file}/${name} declares its permissions`);
      for (const level of Object.values(job.permissions as Record<string, string>)) {
        assert.ok(['read', 'write', 'none'].includes(level), `${file}/${name}: permission level '${level}'`);
      }
    }
  }
});

test('only the comment job and the controller may write, and exactly what they need', async () => {
  const workflows = await allWorkflows();
  const writers: Record<string, string[]> = {};
  for (const [file, { workflow }] of workflows) {
    for (const [name, job] of Object.entries(workflow.jobs)) {
      const scopes = writeScopes(job.permissions);
      if (scopes.length > 0) writers[`${file}/${name}`] = scopes.sort();
    }
  }

  assert.deepEqual(writers, {
    'controller.yml/reconcile': ['contents', 'pull-requests'],
    'pull-request.yml/comment': ['pull-requests'],
    'release.yml/image': ['attestations', 'id-token', 'packages'],
    'release.yml/pin': ['contents', 'pull-requests'],
  });
  const pr = workflows.get('pull-request.yml')!.workflow;
  for (const name of ['check', 'test', 'diff']) assert.deepEqual(pr.jobs[name].permissions, { contents: 'read' }, `${name} reads only`);
  assert.deepEqual(workflows.get('train.yml')!.workflow.jobs.train.permissions, { contents: 'read' });
});

test('a job that runs pull request code has no write permission and sees no secret', async () => {
  const { text, workflow } = await readWorkflow('pull-request.yml');

  assert.deepEqual(Object.keys(workflow.on), ['pull_request']);
  assert.doesNotMatch(text, /secrets\./, 'no secret is named in the pull request workflow');
  for (const [name, job] of Object.entries(workflow.jobs)) {
    const runsCode = job.steps.some((step) => step.run !== undefined || step.uses?.startsWith('actions/checkout@'));
    if (runsCode) assert.deepEqual(writeScopes(job.permissions), [], `${name} runs PR code and must not write`);
  }
});

test('the comment job runs nothing from the pull request and only for pull requests of this repository', async () => {
  const { workflow } = await readWorkflow('pull-request.yml');
  const comment = workflow.jobs.comment;

  assert.deepEqual(comment.permissions, { 'pull-requests': 'write' });
  assert.equal(comment.needs, 'diff');
  assert.equal(comment.if, 'github.event.pull_request.head.repo.full_name == github.repository');
  assert.ok(comment.steps.every((step) => step.run === undefined), 'no shell step');
  assert.ok(!comment.steps.some((step) => step.uses?.startsWith('actions/checkout@')), 'no checkout');
  assert.equal(stepUsing(comment, 'actions/download-artifact').with?.name, 'slipway-diff');
  const script = String(stepUsing(comment, 'actions/github-script').with?.script);
  assert.match(script, /<!-- slipway:diff -->/);
  assert.match(script, /updateComment/);
});

test('shell steps never splice ${{ }} expressions into the script, and all parse with bash -n', async () => {
  for (const [file, { workflow }] of await allWorkflows()) {
    for (const { job, step } of steps(workflow)) {
      if (step.run === undefined) continue;
      assert.ok(!step.run.includes('${{'), `${file}/${job}/${step.name ?? step.run}: expressions go through env:`);
      const check = spawnSync('bash', ['-n'], { input: step.run, encoding: 'utf8' });
      assert.equal(check.status, 0, `${file}/${job}/${step.name}: ${check.stderr}`);
    }
  }
});

test('pull requests: install with npm ci, validate with annotations, test, render --check and codeowners --check', async () => {
  const { workflow } = await readWorkflow('pull-request.yml');
  const { check, test: tests, diff } = workflow.jobs;

  assert.deepEqual(workflow.on.pull_request, { branches: ['main'] });
  assert.equal(workflow.env?.ONNXRUNTIME_NODE_INSTALL, 'skip');
  for (const job of [check, tests, diff]) {
    assert.match(scripts(job), /^npm ci$/m);
    assert.equal(stepUsing(job, 'actions/setup-node').with?.['node-version'], 20);
  }
  assert.match(scripts(check), /slipway validate --format github/);
  assert.match(scripts(check), /slipway render --check/);
  assert.match(scripts(check), /slipway codeowners --check/);
  assert.match(scripts(tests), /apt-get install .*redis-server.*prometheus/);
  assert.match(scripts(tests), /^\s*npm test$/m);
});

test('pull requests: the diff renders against the base branch as markdown and keeps it for the comment', async () => {
  const { workflow } = await readWorkflow('pull-request.yml');
  const diff = workflow.jobs.diff;
  const render = diff.steps.find((step) => step.run?.includes('slipway diff'));

  assert.equal(stepUsing(diff, 'actions/checkout').with?.['fetch-depth'], 0, 'the base branch is fetched');
  assert.ok(render);
  assert.match(render.run!, /slipway diff --base "origin\/\$BASE_REF" --format markdown > slipway-diff\/diff\.md/);
  assert.equal(render.env?.BASE_REF, '${{ github.base_ref }}');
  assert.match(render.run!, /GITHUB_STEP_SUMMARY/);
  const upload = stepUsing(diff, 'actions/upload-artifact');
  assert.equal(upload.with?.name, 'slipway-diff');
  assert.equal(upload.with?.path, 'slipway-diff/diff.md');
});

test('controller: on a schedule, on pushes to main and after training, one reconcile at a time with the GitHub forge', async () => {
  const { workflow } = await readWorkflow('controller.yml');
  const job = workflow.jobs.reconcile;
  const reconcile = job.steps.find((step) => step.run?.includes('slipway controller'));

  const schedule = workflow.on.schedule as Array<{ cron: string }>;
  assert.equal(schedule.length, 1);
  assert.equal(schedule[0].cron.split(' ').length, 5);
  assert.deepEqual(workflow.on.push, { branches: ['main'] });
  assert.deepEqual(workflow.on.workflow_run, { workflows: ['train'], types: ['completed'], branches: ['main'] });
  assert.equal(workflow.concurrency?.['cancel-in-progress'], false);
  assert.deepEqual(job.permissions, { contents: 'write', 'pull-requests': 'write', actions: 'read' });
  assert.match(String(job.if), /workflow_run\.conclusion == 'success'/);
  assert.match(String(job.if), /workflow_run\.head_repository\.full_name == github\.repository/);
  assert.ok(reconcile);
  assert.match(reconcile.run!, /slipway controller --once --forge github/);
  // Never the workflow's own token: its pull requests would start no checks.
  assert.equal(reconcile.env?.GITHUB_TOKEN, '${{ steps.app.outputs.token || secrets.SLIPWAY_BOT_TOKEN }}');
  assert.equal(stepUsing(job, 'actions/create-github-app-token').id, 'app');
});

test('controller: without a bot token or an App it fails before writing anything, naming what to configure', async () => {
  const { workflow } = await readWorkflow('controller.yml');
  const steps = workflow.jobs.reconcile.steps;
  const credentials = steps.find((step) => step.name === 'Bot credentials')!;
  const run = (env: Record<string, string>) => spawnSync('bash', ['-c', credentials.run!], { env: { PATH: process.env.PATH!, ...env }, encoding: 'utf8' });

  const none = run({ BOT_TOKEN: '', APP_ID: '', APP_KEY: '' });
  assert.equal(none.status, 1);
  assert.match(none.stdout, /^::error::the controller needs its own identity: .*SLIPWAY_APP_ID.*SLIPWAY_APP_PRIVATE_KEY.*SLIPWAY_BOT_TOKEN/);
  assert.equal(run({ BOT_TOKEN: '', APP_ID: '12345', APP_KEY: '' }).status, 1, 'an App id without its key is not enough');
  assert.equal(run({ BOT_TOKEN: 'github_pat_x', APP_ID: '', APP_KEY: '' }).status, 0);
  assert.equal(run({ BOT_TOKEN: '', APP_ID: '12345', APP_KEY: '-----BEGIN RSA PRIVATE KEY-----' }).status, 0);
  assert.ok(steps.indexOf(credentials) < steps.findIndex((step) => step.run?.includes('slipway controller')), 'checked before the reconcile');
});

test("controller: the results it looks up are the newest of this repository's own runs on the default branch, never a fork's", async () => {
  const { workflow } = await readWorkflow('controller.yml');
  const fetch = workflow.jobs.reconcile.steps.find((step) => step.name === 'Fetch the newest training results')!;
  const filter = /--jq "((?:[^"\\]|\\.)*)"/.exec(fetch.run!.split('actions/artifacts')[1])![1].replace(/\\"/g, '"').replace('$branch', 'main');
  // As GitHub lists artifacts: newest first, each with the run that uploaded it.
  const artifact = (id: number, run: number, headRepository: number, branch: string, expired = false) => ({
    id, name: 'training-results', expired, workflow_run: { id: run, repository_id: 1, head_repository_id: headRepository, head_branch: branch, head_sha: 'f'.repeat(40) },
  });
  const listing = (...artifacts: unknown[]) => JSON.stringify({ total_count: artifacts.length, artifacts });
  const newestRun = (json: string) => spawnSync('jq', ['-r', filter], { input: json, encoding: 'utf8' });

  const forkFirst = newestRun(listing(artifact(9, 900, 77, 'main'), artifact(8, 800, 1, 'feature'), artifact(7, 700, 1, 'main', true), artifact(6, 600, 1, 'main')));
  assert.equal(forkFirst.status, 0, `jq must be installed (.ci/run installs it): ${forkFirst.error ?? forkFirst.stderr}`);
  assert.equal(forkFirst.stdout.trim(), '600');
  assert.equal(newestRun(listing(artifact(9, 900, 77, 'main'))).stdout.trim(), '', 'only a fork’s results: none');
  assert.doesNotMatch(fetch.run!, /github\.event\.repository/, 'scheduled events carry no repository');
});

test('train: by hand or when a triggerId changes on main, and its results are what the controller downloads', async () => {
  const { workflow: train } = await readWorkflow('train.yml');
  const { workflow: controller } = await readWorkflow('controller.yml');
  const job = train.jobs.train;
  const upload = stepUsing(job, 'actions/upload-artifact');

  assert.deepEqual(Object.keys(train.on).sort(), ['push', 'workflow_dispatch']);
  assert.deepEqual(train.on.push, { branches: ['main'], paths: ['catalog/**'] });
  assert.equal((train.on.workflow_dispatch as { inputs: Record<string, { required: boolean }> }).inputs.model.required, false);
  assert.equal(stepUsing(job, 'actions/checkout').with?.['fetch-depth'], 0, 'the previous commit is there to compare triggerIds');
  assert.match(scripts(job), /node \.github\/scripts\/training-triggers\.mjs "\$BEFORE" "\$AFTER"/);
  assert.match(scripts(job), /slipway data generate/);
  assert.match(scripts(job), /result=\$\(npx --no-install slipway train "\$model" --out training-results \| tail -n 1\)/);
  assert.match(scripts(job), /cp "\$result" "training-results\/\$model\.json"/, 'results lie flat where the controller reads them');
  assert.equal(upload.with?.name, 'training-results');
  assert.equal(upload.with?.path, 'training-results/');
  // The handoff: the controller downloads the same artifact name and reads the same folder.
  const controllerScripts = scripts(controller.jobs.reconcile);
  assert.match(controllerScripts, /gh run download "\$run" --name training-results --dir training-results/);
  assert.match(controllerScripts, /--results training-results/);
  assert.equal(controller.on.workflow_run && (controller.on.workflow_run as { workflows: string[] }).workflows[0], train.name);
});

test('the init templates carry the same workflows and scripts as this repository', async () => {
  const templates = path.join(PROJECT_ROOT, 'cli/templates/init/dot-github');
  for (const file of [...FILES.map((name) => `workflows/${name}`), 'scripts/training-triggers.mjs']) {
    const ours = await readFile(path.join(PROJECT_ROOT, '.github', file), 'utf8');
    const template = await readFile(path.join(templates, file), 'utf8');
    assert.equal(template, ours, `cli/templates/init/dot-github/${file} equals .github/${file}; copy it over`);
  }
});

test('release: on version tags only, pushes one image with provenance, attests that digest, and pins it by pull request', async () => {
  const { workflow } = await readWorkflow(RELEASE);
  const { image, pin } = workflow.jobs;

  assert.deepEqual(workflow.on, { push: { tags: ['v*.*.*'] } });
  assert.deepEqual(image.permissions, { contents: 'read', packages: 'write', 'id-token': 'write', attestations: 'write' });
  assert.match(scripts(image), /"v\$version" != "\$TAG"/, 'the tag must equal package.json’s version');
  const build = stepUsing(image, 'docker/build-push-action');
  assert.equal(build.with?.push, true);
  assert.equal(build.with?.provenance, 'mode=max');
  assert.equal(build.with?.tags, '${{ steps.name.outputs.image }}:${{ steps.name.outputs.version }}');
  const attest = stepUsing(image, 'actions/attest-build-provenance');
  assert.equal(attest.with?.['subject-digest'], `\${{ steps.${build.id}.outputs.digest }}`, 'the attestation covers the digest that was pushed');
  assert.equal(attest.with?.['push-to-registry'], true);
  assert.match(String(image.outputs?.reference), /@\$\{\{ steps\.build\.outputs\.digest \}\}$/);

  assert.equal(pin.needs, 'image');
  assert.deepEqual(pin.permissions, { contents: 'write', 'pull-requests': 'write' });
  assert.match(scripts(pin), /node \.github\/scripts\/pin-image\.mjs "\$REFERENCE" slipway\.yaml cli\/templates\/init\/slipway\.yaml/);
  assert.match(scripts(pin), /gh pr create/);
});
