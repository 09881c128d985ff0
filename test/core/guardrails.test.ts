/** Guardrail policies block what an organisation forbids, and every message names the policy. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { loadCatalog } from '../../core/load/load-catalog.js';
import { loadExampleWith, problemsWith } from '../support/catalog-fixture.js';
import { copyExampleRepo, PROJECT_ROOT } from '../support/example-repo.js';

const example = (file: string) => readFile(path.join(PROJECT_ROOT, file), 'utf8');

describe('guardrail policies', () => {
  it('the example satisfies its own guardrails', async () => {
    const repo = await copyExampleRepo();
    try {
      const result = await loadCatalog(repo.root);
      assert.ok(result.ok, JSON.stringify(!result.ok && result.diagnostics));
      assert.deepEqual([...result.catalog.guardrailPolicies.keys()].sort(), ['every-environment', 'production-guardrails']);
    } finally {
      await repo.dispose();
    }
  });

  it('requires a complete model card in production, naming the missing sections', async () => {
    const card = (await example('catalog/models/fraud-detector.yaml')).replace(/ {2}limitations:\n( {4}- .*\n)+/, '');
    const problems = await problemsWith({ 'catalog/models/fraud-detector.yaml': card });
    assert.equal(problems.length, 1, JSON.stringify(problems));
    assert.equal(problems[0].file, 'environments/prod.yaml');
    assert.match(problems[0].message, /^guardrail 'production-guardrails': model card 'fraud-detector' deployed in prod lacks limitations$/);
  });

  it('refuses a version in prod that staging never served', async () => {
    const prod = (await example('environments/prod.yaml')).replace('stable: 1.4.0', 'stable: 2.0.0');
    const staging = (await example('environments/staging.yaml')).replace(/\n {6}canary: \{ version: 2\.0\.0, weight: 10 \}/, '');
    const problems = await problemsWith({ 'environments/prod.yaml': prod, 'environments/staging.yaml': staging });
    assert.equal(problems.length, 1, JSON.stringify(problems));
    assert.match(problems[0].message, /guardrail 'production-guardrails': fraud-detector 2\.0\.0 reaches prod before staging \(its promotesFrom\) has served it/);
  });

  it('accepts a version that staging served in an earlier commit', async () => {
    const repo = await copyExampleRepo();
    try {
      const git = (...args: string[]) => execFileSync('git', ['-C', repo.root, '-c', 'user.email=t@example.com', '-c', 'user.name=t', ...args], { stdio: 'pipe' });
      git('init', '-q');
      git('add', '.');
      git('commit', '-qm', 'staging serves 2.0.0 as a canary');
      const staging = path.join(repo.root, 'environments/staging.yaml');
      await writeFile(staging, (await readFile(staging, 'utf8')).replace(/\n {6}canary: \{ version: 2\.0\.0, weight: 10 \}/, '').replace('stable: 1.4.0', 'stable: 1.4.0'));
      git('commit', '-qam', 'canary aborted');
      const prod = path.join(repo.root, 'environments/prod.yaml');
      await writeFile(prod, (await readFile(prod, 'utf8')).replace('stable: 1.4.0', 'stable: 2.0.0'));
      const result = await loadCatalog(repo.root);
      assert.ok(result.ok, JSON.stringify(!result.ok && result.diagnostics));
    } finally {
      await repo.dispose();
    }
  });

  it('requires resource limits where the policy says so', async () => {
    const prod = (await example('environments/prod.yaml')).replace(/\n {6}limits: .*/, '');
    const problems = await problemsWith({ 'environments/prod.yaml': prod });
    assert.equal(problems.length, 1, JSON.stringify(problems));
    assert.equal(problems[0].path, 'spec.deployments[0].resources.limits');
    assert.match(problems[0].message, /guardrail 'production-guardrails': .* must set cpu and memory limits/);
  });

  it('requires canary weights to be rollout steps', async () => {
    const staging = (await example('environments/staging.yaml')).replace('weight: 10', 'weight: 25');
    const problems = await problemsWith({ 'environments/staging.yaml': staging });
    assert.equal(problems.length, 1, JSON.stringify(problems));
    assert.match(problems[0].message, /guardrail 'every-environment': canary weight 25 is not a step of its rollout policy \(allowed: 10, 50, 100\)/);
  });

  const DIGEST = `sha256:${'4f'.repeat(32)}`;
  const pinImagesIn = (guardrails: string, policy: string) =>
    guardrails.replace(`  name: ${policy}\n  owner: ml-platform\nspec:\n`, `  name: ${policy}\n  owner: ml-platform\nspec:\n  pinnedImages: true\n`);

  it('pinnedImages refuses a Slipway image named by tag in the environments it covers, and only there', async () => {
    const guardrails = pinImagesIn(await example('policies/guardrails.yaml'), 'production-guardrails');
    const problems = await problemsWith({ 'policies/guardrails.yaml': guardrails });
    assert.equal(problems.length, 1, JSON.stringify(problems));
    assert.equal(problems[0].file, 'slipway.yaml');
    assert.equal(problems[0].path, 'spec.image');
    assert.match(problems[0].message, /^guardrail 'production-guardrails': image 'ghcr.io\/slipway-dev\/slipway:0.1.0' of environment 'prod' is not named by digest; name it by digest/);
  });

  it('pinnedImages accepts an environment whose image names a digest, with or without its tag', async () => {
    const guardrails = pinImagesIn(await example('policies/guardrails.yaml'), 'production-guardrails');
    const prod = await example('environments/prod.yaml');
    for (const image of [`ghcr.io/slipway-dev/slipway@${DIGEST}`, `ghcr.io/slipway-dev/slipway:0.1.0@${DIGEST}`]) {
      const pinned = prod.replace('  runtime:\n', `  image: ${image}\n  runtime:\n`);
      const loaded = await loadExampleWith({ 'policies/guardrails.yaml': guardrails, 'environments/prod.yaml': pinned });
      assert.ok(loaded.ok, JSON.stringify(loaded.ok || loaded.diagnostics));
      assert.equal(loaded.catalog.environments.get('prod')!.image, image);
    }
  });

  it('pinnedImages refuses a training image named by tag in the environment the model trains in', async () => {
    const guardrails = pinImagesIn(await example('policies/guardrails.yaml'), 'every-environment');
    const project = (await example('slipway.yaml')).replace('slipway:0.1.0', `slipway:0.1.0@${DIGEST}`);
    const card = (await example('catalog/models/fraud-detector.yaml')).replace('  training:\n', '  training:\n    image: ghcr.io/acme/trainer:2.3\n');
    const problems = await problemsWith({ 'policies/guardrails.yaml': guardrails, 'slipway.yaml': project, 'catalog/models/fraud-detector.yaml': card });
    assert.deepEqual(
      problems.map((problem) => [problem.file, problem.path, problem.message]),
      [['catalog/models/fraud-detector.yaml', 'spec.training.image', "guardrail 'every-environment': training image 'ghcr.io/acme/trainer:2.3' of 'fraud-detector' (trained in dev) is not named by digest; name it by digest (…@sha256:<64 hex>), as the release workflow prints it"]],
    );
  });

  it('reports a guardrail naming a missing environment', async () => {
    const guardrails = (await example('policies/guardrails.yaml')).replace('environments: [prod]', 'environments: [production]');
    const problems = await problemsWith({ 'policies/guardrails.yaml': guardrails });
    assert.equal(problems[0].rule, 'reference');
    assert.match(problems[0].message, /Environment 'production' does not exist/);
  });
});
