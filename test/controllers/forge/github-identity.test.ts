/**
 * Whom the bot commits as on GitHub: the account its credentials belong to, in GitHub's no-reply
 * form; set explicitly with SLIPWAY_BOT_NAME and SLIPWAY_BOT_EMAIL; and the same identity is what
 * tells the bot's own commits from a person's.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { simpleGit } from 'simple-git';
import { GitHubForge } from '../../../controllers/forge/github/github-forge.js';
import { githubSettingsFromEnv } from '../../../controllers/forge/github/settings.js';
import { DEFAULT_BOT } from '../../../controllers/git/bot-identity.js';
import { reconcile } from '../../../controllers/reconcile.js';
import { FAKE_ACCOUNTS, startGitHub, type FakeGitHub } from '../../support/github-server.js';
import { makeRepo, testRenderDist, trainingResult, writeResult, type TestRepo } from '../fixtures.js';

describe('the bot identity on GitHub', () => {
  let repo: TestRepo;
  let github: FakeGitHub;
  const logged: string[] = [];
  const tuning = { retryAfterBaseValue: 20, pacing: 'none' as const };
  const forgeWith = (env: NodeJS.ProcessEnv, identityEnv: NodeJS.ProcessEnv = {}) =>
    new GitHubForge(githubSettingsFromEnv({ GITHUB_API_URL: github.url, GITHUB_REPOSITORY: 'acme/fraud-platform', SLIPWAY_GIT_URL: github.gitDir, ...env }), (message) => logged.push(message), tuning, identityEnv);

  before(async () => {
    repo = await makeRepo();
    github = await startGitHub(repo.root);
  });
  after(async () => {
    await github?.stop();
    await repo?.dispose();
  });

  it('commits as a token\'s user in its no-reply form, and reads its own commits as its own', async () => {
    const forge = forgeWith({ GITHUB_TOKEN: 'a-personal-token' });
    await writeResult(repo.results, 'fraud-detector.json', trainingResult());
    const run = () => reconcile({ forge, workDir: repo.workDir, renderDist: testRenderDist, resultsDir: repo.results });
    assert.deepEqual((await run()).proposals.map((proposal) => proposal.outcome), ['opened']);
    const author = await simpleGit(github.gitDir).raw(['log', '-1', '--format=%an <%ae>|%cn <%ce>', 'refs/heads/slipway/version/fraud-detector/dev']);
    const expected = `slipway-bot <${FAKE_ACCOUNTS.user.id}+slipway-bot@users.noreply.github.com>`;
    assert.equal(author.trim(), `${expected}|${expected}`);
    assert.deepEqual((await run()).proposals.map((proposal) => proposal.outcome), ['unchanged'], 'not mistaken for a person');
  });

  it('commits as an App\'s bot user, <id>+<slug>[bot]', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
    const forge = forgeWith({ GITHUB_APP_ID: String(FAKE_ACCOUNTS.app.id), GITHUB_APP_PRIVATE_KEY: privateKey, GITHUB_APP_INSTALLATION_ID: '5' });
    assert.deepEqual(await forge.identity(), { name: 'slipway-ci[bot]', email: `${FAKE_ACCOUNTS.appBotUser.id}+slipway-ci[bot]@users.noreply.github.com` });
  });

  it('takes SLIPWAY_BOT_NAME and SLIPWAY_BOT_EMAIL over the lookup, and refuses half of them', async () => {
    const forge = forgeWith({ GITHUB_TOKEN: 'a-personal-token' }, { SLIPWAY_BOT_NAME: 'ml-bot', SLIPWAY_BOT_EMAIL: 'ml-bot@example.org' });
    assert.deepEqual(await forge.identity(), { name: 'ml-bot', email: 'ml-bot@example.org' });
    await assert.rejects(forgeWith({ GITHUB_TOKEN: 't' }, { SLIPWAY_BOT_NAME: 'ml-bot' }).identity(), /set both SLIPWAY_BOT_NAME and SLIPWAY_BOT_EMAIL/);
  });

  it('falls back to the default, saying how to set it, when an installation token cannot read its account', async () => {
    logged.length = 0;
    const forge = forgeWith({ GITHUB_TOKEN: 'ghs_an-installation-token' });
    assert.deepEqual(await forge.identity(), DEFAULT_BOT);
    assert.ok(logged.some((line) => line.includes('SLIPWAY_BOT_NAME')), logged.join('\n'));
  });
});
