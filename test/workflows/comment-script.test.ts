/**
 * The pull request workflow's comment script, run as actions/github-script runs it (the body of an
 * async function of `require`, `github`, `context` and `core`) against an in-memory issue thread.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { PROJECT_ROOT } from '../support/example-repo.js';

interface Comment {
  id: number;
  user: { type: string; login: string };
  body: string;
  html_url: string;
}

type Script = (require: (id: string) => unknown, github: unknown, context: unknown, core: unknown) => Promise<void>;

async function loadScript(): Promise<Script> {
  const workflow = parse(await readFile(path.join(PROJECT_ROOT, '.github/workflows/pull-request.yml'), 'utf8'));
  const step = workflow.jobs.comment.steps.find((candidate: { uses?: string }) => candidate.uses?.startsWith('actions/github-script@'));
  const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as new (...args: string[]) => Script;
  return new AsyncFunction('require', 'github', 'context', 'core', step.with.script);
}

/** One pull request's comments, and the calls the script made. */
function thread(existing: Comment[]) {
  const comments = existing.map((comment) => ({ ...comment }));
  const calls: string[] = [];
  const issues = {
    listComments: async (params: { issue_number: number }) => {
      calls.push(`list ${params.issue_number}`);
      return { data: comments };
    },
    updateComment: async (params: { comment_id: number; body: string }) => {
      calls.push(`update ${params.comment_id}`);
      const comment = comments.find((candidate) => candidate.id === params.comment_id)!;
      comment.body = params.body;
      return { data: comment };
    },
    createComment: async (params: { issue_number: number; body: string }) => {
      calls.push(`create ${params.issue_number}`);
      const comment = { id: 100 + comments.length, user: { type: 'Bot', login: 'github-actions[bot]' }, body: params.body, html_url: 'https://example.invalid/c' };
      comments.push(comment);
      return { data: comment };
    },
  };
  const github = {
    rest: { issues },
    paginate: async (method: (params: never) => Promise<{ data: unknown[] }>, params: never) => (await method(params)).data,
  };
  return { comments, calls, github };
}

const context = { repo: { owner: 'acme', repo: 'fraud-platform' }, payload: { pull_request: { number: 7 } } };
const core = { info: () => {} };
const fakeFs = (diff: string) => (id: string) => {
  assert.equal(id, 'fs');
  return { readFileSync: (file: string) => (assert.equal(file, 'slipway-diff/diff.md'), diff) };
};
const bot = { type: 'Bot', login: 'github-actions[bot]' };

test('the first push creates one comment that starts with the hidden marker', async () => {
  const script = await loadScript();
  const { comments, calls, github } = thread([]);

  await script(fakeFs('prod: 1 changed, 0 added, 0 removed'), github, context, core);

  assert.deepEqual(calls, ['list 7', 'create 7']);
  assert.equal(comments.length, 1);
  assert.equal(comments[0].body, '<!-- slipway:diff -->\nprod: 1 changed, 0 added, 0 removed');
});

test('a later push edits the bot\'s comment in place and leaves a person\'s comment quoting the marker alone', async () => {
  const script = await loadScript();
  const person = { id: 1, user: { type: 'User', login: 'alice' }, body: '<!-- slipway:diff -->\nwhy this?', html_url: '' };
  const previous = { id: 2, user: bot, body: '<!-- slipway:diff -->\nold diff', html_url: '' };
  const { comments, calls, github } = thread([person, previous]);

  await script(fakeFs('staging: 2 changed'), github, context, core);

  assert.deepEqual(calls, ['list 7', 'update 2']);
  assert.equal(comments.length, 2);
  assert.equal(comments[0].body, '<!-- slipway:diff -->\nwhy this?');
  assert.equal(comments[1].body, '<!-- slipway:diff -->\nstaging: 2 changed');
});

test('a diff longer than GitHub accepts is cut below the 65536-character limit and says so', async () => {
  const script = await loadScript();
  const { comments, github } = thread([]);

  await script(fakeFs('x'.repeat(200_000)), github, context, core);

  assert.ok(comments[0].body.length < 65_536);
  assert.match(comments[0].body, /truncated; the whole diff is in the run summary\.$/);
});
