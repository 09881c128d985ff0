/** PR bodies stay within GitHub's 65,536 characters, keeping the evidence and the marker whole. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Octokit } from '@octokit/rest';
import { BODY_LIMIT, fitBody } from '../../../controllers/body/body-limit.js';
import { parseMarker } from '../../../controllers/body/marker.js';
import { renderBody } from '../../../controllers/body/render-body.js';
import { proposalKey, type Proposal } from '../../../controllers/proposals/proposal.js';
import { startGitHub, type FakeGitHub } from '../../support/github-server.js';
import { makeRepo, type TestRepo } from '../fixtures.js';

const proposal: Proposal = {
  ...proposalKey('version', 'fraud-detector', 'dev'),
  action: 'version',
  model: 'fraud-detector',
  target: 'dev',
  subject: '2.1.0',
  title: 'fraud-detector 2.1.0 to dev',
  summary: 'A retrained version passed its policy.',
  evidence: [{ name: 'auc', observed: 0.93, threshold: '>= 0.9', pass: true, source: 'results/fraud-detector/2.1.0/result.json' }],
  charts: [{ title: 'Scores', mermaid: 'xychart-beta\n  bar [1, 2, 3]' }],
  edits: [],
  labels: ['slipway/version'],
  autoMerge: false,
  version: '2.1.0',
};

const bigChange = (lines: number) => ({
  file: 'catalog/models/fraud-detector.yaml',
  before: '',
  after: Array.from({ length: lines }, (_, index) => `      - line ${index}: ${'x'.repeat(60)}`).join('\n'),
});

const fences = (text: string) => text.split('\n').filter((line) => line.startsWith('```')).length;

describe('the PR body length', () => {
  const context = { baseSha: 'a'.repeat(40), renderedFiles: [], notes: [], links: [] };

  it('leaves a body that fits exactly as it was', () => {
    const body = renderBody(proposal, { ...context, changes: [bigChange(10)] });
    assert.ok(body.length < BODY_LIMIT);
    assert.doesNotMatch(body, /left out/);
    assert.ok(body.includes('line 9: '));
  });

  it('cuts a 200,000-character diff to fit, keeping the evidence, the next steps and the marker', () => {
    const full = renderBody(proposal, { ...context, changes: [bigChange(3000)] });
    assert.ok(full.length <= BODY_LIMIT, `${full.length} characters`);
    assert.ok(full.length > BODY_LIMIT - 2_000, 'uses the room it has');
    assert.match(full, /\| auc \| 0\.93 \| >= 0\.9 \| ✅ pass \|/);
    assert.match(full, /### What happens next/);
    assert.match(full, /characters of diffs and queries are left out/);
    assert.equal(fences(full) % 2, 0, 'every code fence is closed');
    const marker = parseMarker(full);
    assert.ok(marker !== null, 'the marker survives');
    assert.deepEqual(marker, parseMarker(renderBody(proposal, { ...context, changes: [bigChange(5)] })), 'and is the one the uncut body carries');
  });

  it('closes a <details> block and a fence cut part-way', () => {
    const body = fitBody(['head'], ['<details><summary>s</summary>', '```promql', 'q'.repeat(500) + '\n'.repeat(1) + 'r'.repeat(500), '```', '</details>'], ['tail'], 700);
    assert.ok(body.length <= 700, `${body.length}`);
    assert.equal(fences(body) % 2, 0);
    assert.equal(body.split('<details>').length, body.split('</details>').length);
    assert.ok(body.endsWith('tail'));
  });
});

describe('a long body on the loopback GitHub', () => {
  let repo: TestRepo;
  let github: FakeGitHub;
  let octokit: Octokit;
  const params = { owner: 'acme', repo: 'fraud-platform' };
  const context = { baseSha: 'a'.repeat(40), renderedFiles: [], notes: [], links: [] };

  before(async () => {
    repo = await makeRepo();
    github = await startGitHub(repo.root);
    octokit = new Octokit({ auth: 't', baseUrl: github.url, log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} } });
    const main = (await github.branchSha('main'))!;
    await octokit.rest.git.createRef({ ...params, ref: 'refs/heads/slipway/version/fraud-detector/dev', sha: main });
    await github.pushAsPerson('slipway/version/fraud-detector/dev', 'notes/long.md', 'a change\n');
  });
  after(async () => {
    await github?.stop();
    await repo?.dispose();
  });

  it('is refused as GitHub refuses it when uncut, and accepted once fitted', async () => {
    const pull = { ...params, head: 'slipway/version/fraud-detector/dev', base: 'main', title: 't' };
    const uncut = fitBody(['head'], ['x'.repeat(BODY_LIMIT)], ['tail'], Number.POSITIVE_INFINITY);
    const refused = (await octokit.rest.pulls.create({ ...pull, body: uncut }).then(() => null, (error: unknown) => error)) as { status: number; message: string } | null;
    assert.equal(refused?.status, 422);
    assert.match(refused!.message, /body is too long \(maximum is 65536 characters\)/);
    const { status } = await octokit.rest.pulls.create({ ...pull, body: renderBody(proposal, { ...context, changes: [bigChange(3000)] }) });
    assert.equal(status, 201);
  });
});
