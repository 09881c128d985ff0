/**
 * A malformed repository never crashes the loader and never yields a half catalog: every case
 * below reports the exact file, line and rule.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { Diagnostic } from '../../../core/diagnostics.js';
import { header, problemsWith } from '../../support/catalog-fixture.js';
import { PROJECT_ROOT } from '../../support/example-repo.js';

/** Asserts that exactly one problem has this file and rule, at this line, and returns it. */
function expectProblem(problems: readonly Diagnostic[], file: string, line: number, rule: string): Diagnostic {
  const matching = problems.filter((problem) => problem.file === file && problem.rule === rule);
  assert.equal(matching.length, 1, `expected one ${rule} problem in ${file}, got:\n${JSON.stringify(problems, null, 2)}`);
  assert.equal(matching[0].line, line, `wrong line for ${rule} in ${file}: ${matching[0].message}`);
  return matching[0];
}

const FEATURE_VIEW_SPEC = `spec:
  entities: [transaction]
  ttl: 24h
  source: { path: data/t.csv, format: csv, timestampField: ts }
  features:
    - { name: x, dtype: float32, default: 0 }
`;

async function exampleFile(relative: string): Promise<string> {
  return readFile(path.join(PROJECT_ROOT, relative), 'utf8');
}

describe('YAML that does not parse', () => {
  it('reports a syntax error at its line', async () => {
    const problems = await problemsWith({ 'catalog/features/broken.yaml': `${header('FeatureView', 'broken')}spec:\n  entities: [transaction\n  ttl: 24h\n` });
    expect(problems, 'catalog/features/broken.yaml', 'yaml-syntax');
  });

  it('reports a duplicate key at the second occurrence, naming the key', async () => {
    const problems = await problemsWith({ 'catalog/features/dup.yaml': `${header('FeatureView', 'dup')}${FEATURE_VIEW_SPEC}  ttl: 12h\n` });
    const problem = expectProblem(problems, 'catalog/features/dup.yaml', 12, 'yaml-syntax');
    assert.match(problem.message, /duplicate key 'ttl'/);
  });

  it('reports tabs used for indentation', async () => {
    const problems = await problemsWith({ 'catalog/features/tabs.yaml': `${header('Entity', 'tabbed')}spec:\n\tjoinKey: id\n` });
    const problem = expectProblem(problems, 'catalog/features/tabs.yaml', 7, 'yaml-syntax');
    assert.match(problem.message, /tab/i);
  });

  it('caps aliases so an alias bomb cannot exhaust memory', async () => {
    const bomb = [
      'a: &a ["x","x","x","x","x","x","x","x","x"]',
      'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]',
      'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]',
      'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]',
      'e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]',
      'f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]',
      'g: [*f,*f,*f,*f,*f,*f,*f,*f,*f]',
    ].join('\n');
    const problems = await problemsWith({ 'catalog/features/bomb.yaml': `${bomb}\n` });
    expectProblem(problems, 'catalog/features/bomb.yaml', 1, 'yaml-aliases');
  });

  it('rejects bytes that are not UTF-8, at the line they are on', async () => {
    const bytes = Buffer.concat([Buffer.from(`${header('Entity', 'latin')}spec:\n  joinKey: id\n  description: caf`), Buffer.from([0xe9]), Buffer.from('\n')]);
    const problem = expectProblem(await problemsWith({ 'catalog/features/latin1.yaml': bytes }), 'catalog/features/latin1.yaml', 8, 'not-utf8');
    assert.equal(problem.column, 19);
  });

  it('refuses a 50 MB file without reading it', async () => {
    const huge = Buffer.alloc(50 * 1024 * 1024, 0x20);
    const problem = expectProblem(await problemsWith({ 'catalog/features/huge.yaml': huge }), 'catalog/features/huge.yaml', 1, 'file-too-large');
    assert.match(problem.message, /50\.0 MB/);
  });

  it('reports an empty file', async () => {
    expectProblem(await problemsWith({ 'policies/empty.yaml': '' }), 'policies/empty.yaml', 1, 'empty-file');
  });

  it('reports a file holding only comments as empty', async () => {
    expectProblem(await problemsWith({ 'policies/comments.yaml': '# nothing yet\n# really\n' }), 'policies/comments.yaml', 1, 'empty-file');
  });

  it('reports a document that is a list instead of a mapping', async () => {
    const problems = await problemsWith({ 'catalog/features/list.yaml': `${header('Entity', 'ok')}spec:\n  joinKey: id\n---\n- one\n- two\n` });
    expectProblem(problems, 'catalog/features/list.yaml', 9, 'not-a-mapping');
  });

  it('reports a document that is a bare scalar', async () => {
    expectProblem(await problemsWith({ 'catalog/features/scalar.yaml': 'just text\n' }), 'catalog/features/scalar.yaml', 1, 'not-a-mapping');
  });
});

describe('document envelopes', () => {
  it('rejects a wrong apiVersion', async () => {
    const text = `apiVersion: slipway.dev/v1\nkind: Entity\nmetadata: { name: e, owner: t }\nspec: { joinKey: id }\n`;
    const problem = expectProblem(await problemsWith({ 'catalog/features/v1.yaml': text }), 'catalog/features/v1.yaml', 1, 'api-version');
    assert.match(problem.message, /slipway\.dev\/v1alpha1/);
  });

  it('rejects an unknown kind and suggests the closest one', async () => {
    const text = `apiVersion: slipway.dev/v1alpha1\nkind: ModelCrad\nmetadata: { name: m, owner: t }\nspec: {}\n`;
    const problem = expectProblem(await problemsWith({ 'catalog/models/crad.yaml': text }), 'catalog/models/crad.yaml', 2, 'unknown-kind');
    assert.match(problem.message, /did you mean 'ModelCard'/);
  });

  it('rejects a missing kind', async () => {
    const text = `apiVersion: slipway.dev/v1alpha1\nmetadata: { name: m, owner: t }\nspec: {}\n`;
    expectProblem(await problemsWith({ 'catalog/models/nokind.yaml': text }), 'catalog/models/nokind.yaml', 1, 'unknown-kind');
  });

  it('rejects a name that is not a DNS-1123 label', async () => {
    const problems = await problemsWith({ 'catalog/features/name.yaml': `${header('Entity', 'Card_Holder')}spec:\n  joinKey: id\n` });
    const problem = expectProblem(problems, 'catalog/features/name.yaml', 4, 'name');
    assert.equal(problem.path, 'metadata.name');
  });

  it('requires an owner', async () => {
    const text = `apiVersion: slipway.dev/v1alpha1\nkind: Entity\nmetadata:\n  name: e\nspec:\n  joinKey: id\n`;
    const problem = expectProblem(await problemsWith({ 'catalog/features/owner.yaml': text }), 'catalog/features/owner.yaml', 4, 'required');
    assert.equal(problem.path, 'metadata.owner');
  });

  it('requires slipway.yaml', async () => {
    expectProblem(await problemsWith({ 'slipway.yaml': null }), 'slipway.yaml', 1, 'file-missing');
  });

  it('accepts a Project only in slipway.yaml', async () => {
    const text = await exampleFile('slipway.yaml');
    expectProblem(await problemsWith({ 'policies/project.yaml': text }), 'policies/project.yaml', lineOf(text, 'kind: Project'), 'project');
  });
});

describe('schema violations', () => {
  it('names an unknown field and suggests the intended one', async () => {
    const text = `${header('Entity', 'e')}spec:\n  joinKey: id\n  valueTyp: string\n`;
    const problem = expectProblem(await problemsWith({ 'catalog/features/typo.yaml': text }), 'catalog/features/typo.yaml', 8, 'unknown-field');
    assert.equal(problem.path, 'spec.valueTyp');
    assert.match(problem.message, /unknown field 'valueTyp' \(did you mean 'valueType'\?\)/);
  });

  it('reports a wrong type with what was found', async () => {
    const text = `${header('FeatureView', 'v')}${FEATURE_VIEW_SPEC.replace('ttl: 24h', 'ttl: 5')}`;
    const problem = expectProblem(await problemsWith({ 'catalog/features/type.yaml': text }), 'catalog/features/type.yaml', 8, 'type');
    assert.match(problem.message, /must be a string \(got number 5\)/);
  });

  it('rejects a duration without a unit it knows', async () => {
    const text = `${header('FeatureView', 'v')}${FEATURE_VIEW_SPEC.replace('ttl: 24h', 'ttl: 1 day')}`;
    const problem = expectProblem(await problemsWith({ 'catalog/features/ttl.yaml': text }), 'catalog/features/ttl.yaml', 8, 'duration');
    assert.match(problem.message, /'1 day' is not a duration/);
  });

  it('rejects a version that is not semver', async () => {
    const card = (await exampleFile('catalog/models/fraud-detector.yaml')).replace('version: 2.0.0', 'version: "2.0"');
    const problem = expectProblem(await problemsWith({ 'catalog/models/fraud-detector.yaml': card }), 'catalog/models/fraud-detector.yaml', lineOf(card, 'version: "2.0"'), 'semver');
    assert.equal(problem.path, 'spec.version');
  });

  it('rejects a resource quantity that does not parse', async () => {
    const env = (await exampleFile('environments/prod.yaml')).replace('memory: 512Mi', 'memory: 512 megs');
    const problem = expectProblem(await problemsWith({ 'environments/prod.yaml': env }), 'environments/prod.yaml', lineOf(env, '512 megs'), 'format');
    assert.match(problem.message, /Kubernetes quantity/);
  });

  it('rejects a canary weight above 100', async () => {
    const env = (await exampleFile('environments/staging.yaml')).replace('weight: 10', 'weight: 110');
    const problem = expectProblem(await problemsWith({ 'environments/staging.yaml': env }), 'environments/staging.yaml', lineOf(env, 'weight: 110'), 'schema');
    assert.equal(problem.path, 'spec.deployments[0].canary.weight');
  });

  it('rejects a label value too long for Kubernetes', async () => {
    const text = `apiVersion: slipway.dev/v1alpha1\nkind: Entity\nmetadata:\n  name: e\n  owner: t\n  labels:\n    team: ${'x'.repeat(64)}\nspec:\n  joinKey: id\n`;
    expectProblem(await problemsWith({ 'catalog/features/label.yaml': text }), 'catalog/features/label.yaml', 7, 'schema');
  });
});

describe('cross-document rules', () => {
  it('reports a duplicate name at the second file, pointing at the first', async () => {
    const problems = await problemsWith({ 'catalog/features/zz-again.yaml': `${header('Entity', 'cardholder')}spec:\n  joinKey: user_id\n` });
    const problem = expectProblem(problems, 'catalog/features/zz-again.yaml', 4, 'duplicate-name');
    assert.match(problem.message, /already defined at catalog\/features\/entities\.yaml:\d+/);
  });

  it('reports a model input that names a missing feature, with a suggestion', async () => {
    const card = (await exampleFile('catalog/models/fraud-detector.yaml')).replace('transaction-features:amount', 'transaction-features:amout');
    const problem = expectProblem(await problemsWith({ 'catalog/models/fraud-detector.yaml': card }), 'catalog/models/fraud-detector.yaml', lineOf(card, ':amout'), 'reference');
    assert.match(problem.message, /no feature 'amout' \(did you mean 'amount'\?\)/);
  });

  it('reports a feature view that keys on a missing entity', async () => {
    const text = `${header('FeatureView', 'v')}${FEATURE_VIEW_SPEC.replace('[transaction]', '[merchant]')}`;
    expectProblem(await problemsWith({ 'catalog/features/v.yaml': text }), 'catalog/features/v.yaml', 7, 'reference');
  });

  it('reports an environment deploying a version the card does not have', async () => {
    const env = (await exampleFile('environments/prod.yaml')).replace('stable: 1.4.0', 'stable: 1.5.0');
    const problem = expectProblem(await problemsWith({ 'environments/prod.yaml': env }), 'environments/prod.yaml', lineOf(env, 'stable: 1.5.0'), 'reference');
    assert.match(problem.message, /has no version 1\.5\.0/);
  });

  it('reports a missing policy with a suggestion', async () => {
    const env = (await exampleFile('environments/staging.yaml')).replace('rollout: fraud-canary', 'rollout: fraud-canery');
    const problem = expectProblem(await problemsWith({ 'environments/staging.yaml': env }), 'environments/staging.yaml', lineOf(env, 'fraud-canery'), 'reference');
    assert.match(problem.message, /did you mean 'fraud-canary'/);
  });

  it('reports a promotion cycle once', async () => {
    const dev = (await exampleFile('environments/dev.yaml')).replace('  promotion:\n', '  promotesFrom: prod\n  promotion:\n');
    const problems = await problemsWith({ 'environments/dev.yaml': dev });
    const cycles = problems.filter((problem) => problem.rule === 'promotion-cycle');
    assert.equal(cycles.length, 1, JSON.stringify(problems));
    assert.match(cycles[0].message, /cycle: (dev|staging|prod) ← .* ← (dev|staging|prod)/);
  });

  it('rejects a canary that is the stable version', async () => {
    const env = (await exampleFile('environments/staging.yaml')).replace('version: 2.0.0, weight: 10', 'version: 1.4.0, weight: 10');
    expectProblem(await problemsWith({ 'environments/staging.yaml': env }), 'environments/staging.yaml', lineOf(env, 'canary:'), 'canary');
  });

  it('rejects a replicas range with min above max', async () => {
    const env = (await exampleFile('environments/prod.yaml')).replace('min: 4, max: 40', 'min: 40, max: 4');
    const problem = expectProblem(await problemsWith({ 'environments/prod.yaml': env }), 'environments/prod.yaml', lineOf(env, 'min: 40'), 'replicas');
    assert.match(problem.message, /must not exceed/);
  });

  it('rejects deploying a version whose artifact has no sha256', async () => {
    const card = (await exampleFile('catalog/models/fraud-detector.yaml')).replace(/\n {8}sha256: [a-f0-9]{64}/, '');
    const env = await exampleFile('environments/prod.yaml');
    const problem = expectProblem(await problemsWith({ 'catalog/models/fraud-detector.yaml': card }), 'environments/prod.yaml', lineOf(env, 'stable: 1.4.0'), 'artifact-sha256');
    assert.match(problem.message, /no artifact sha256/);
  });

  it('rejects online deployment of inputs from an offline view', async () => {
    const view = (await exampleFile('catalog/features/user-features.yaml')).replace('online: true', 'online: false');
    const problems = await problemsWith({ 'catalog/features/user-features.yaml': view });
    const offline = problems.filter((problem) => problem.rule === 'online-inputs');
    assert.equal(offline.length, 4, JSON.stringify(problems)); // dev, staging stable + canary, prod
    assert.ok(offline.every((problem) => problem.message.includes('user-features:cardholder_age')));
  });

  it('rejects an image pinned to latest', async () => {
    const project = (await exampleFile('slipway.yaml')).replace('slipway:0.1.0', 'slipway:latest');
    const problem = expectProblem(await problemsWith({ 'slipway.yaml': project }), 'slipway.yaml', lineOf(project, 'slipway:latest'), 'image-pinned');
    assert.match(problem.message, /not pinned/);
  });

  it('rejects an S3 endpoint beside an artifact store that is not s3://, at the endpoint', async () => {
    const project = (await exampleFile('slipway.yaml')).replace('  image:', '  artifacts:\n    url: https://artifacts.example.com/models\n    endpoint: http://minio:9000\n  image:');
    const problem = expectProblem(await problemsWith({ 'slipway.yaml': project }), 'slipway.yaml', lineOf(project, 'endpoint: http://minio:9000'), 'artifact-store');
    assert.match(problem.message, /endpoint applies to s3:\/\/ stores only/);
  });

  it('rejects an artifact store URL of an unknown scheme', async () => {
    const environment = (await exampleFile('environments/dev.yaml')).replace('  prometheus:', '  artifacts: { url: "gs://bucket/models" }\n  prometheus:');
    const problems = await problemsWith({ 'environments/dev.yaml': environment });
    assert.ok(problems.some((problem) => problem.file === 'environments/dev.yaml' && problem.path === 'spec.artifacts.url'), JSON.stringify(problems));
  });

  it('rejects an ingress source that selects nothing, at the entry', async () => {
    const environment = (await exampleFile('environments/dev.yaml')).replace('  deployments:', '  network:\n    ingressFrom:\n      - {}\n  deployments:');
    const problems = await problemsWith({ 'environments/dev.yaml': environment });
    const problem = problems.find((found) => found.file === 'environments/dev.yaml' && found.path === 'spec.network.ingressFrom[0]');
    assert.ok(problem, JSON.stringify(problems));
    assert.equal(problem.line, lineOf(environment, '- {}'));
  });

  it('rejects a feature default of the wrong dtype', async () => {
    const text = `${header('FeatureView', 'v')}${FEATURE_VIEW_SPEC.replace('default: 0', 'default: "zero"')}`;
    expectProblem(await problemsWith({ 'catalog/features/v.yaml': text }), 'catalog/features/v.yaml', 11, 'feature-value');
  });

  it('rejects rollout steps whose weights do not increase', async () => {
    const rollout = (await exampleFile('policies/rollout.yaml')).replace('weight: 50', 'weight: 5');
    expectProblem(await problemsWith({ 'policies/rollout.yaml': rollout }), 'policies/rollout.yaml', lineOf(rollout, 'weight: 5,'), 'rollout-steps');
  });

  it('rejects a drift warn level above its act level', async () => {
    const drift = (await exampleFile('policies/drift.yaml')).replace('numeric: { statistic: psi, warn: 0.1, act: 0.2 }', 'numeric: { statistic: psi, warn: 0.3, act: 0.2 }');
    expectProblem(await problemsWith({ 'policies/drift.yaml': drift }), 'policies/drift.yaml', lineOf(drift, 'warn: 0.3'), 'drift-levels');
  });
});

describe('reporting', () => {
  it('reports every problem of a run, across files, sorted by file and line', async () => {
    const problems = await problemsWith({
      'catalog/features/a.yaml': `${header('Entity', 'a')}spec:\n  joinKey: id\n  bogus: 1\n`,
      'policies/b.yaml': `${header('DriftPolicy', 'b')}spec:\n  window: forever\n`,
      'environments/c.yaml': '',
    });
    const files = problems.map((problem) => problem.file);
    assert.deepEqual(files, [...files].sort());
    assert.ok(files.includes('catalog/features/a.yaml'));
    assert.ok(files.includes('policies/b.yaml'));
    assert.ok(files.includes('environments/c.yaml'));
    assert.ok(problems.length >= 5, JSON.stringify(problems));
  });

  it('does not report references to a document that is itself broken', async () => {
    const view = (await exampleFile('catalog/features/user-features.yaml')).replace('ttl: 30d', 'ttl: a month');
    const problems = await problemsWith({ 'catalog/features/user-features.yaml': view });
    assert.deepEqual(problems.map((problem) => problem.rule), ['duration']);
  });
});

function expect(problems: readonly Diagnostic[], file: string, rule: string): void {
  assert.ok(problems.some((problem) => problem.file === file && problem.rule === rule), JSON.stringify(problems, null, 2));
}

/** 1-based line of the first line containing `needle`. */
function lineOf(text: string, needle: string): number {
  const index = text.split('\n').findIndex((line) => line.includes(needle));
  assert.notEqual(index, -1, `'${needle}' not found`);
  return index + 1;
}
