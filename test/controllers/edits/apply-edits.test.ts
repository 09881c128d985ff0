/** YAML edits keep comments, key order and the formatting of every untouched line. */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { applyEditsToText } from '../../../controllers/edits/apply-edits.js';
import { diffLines, unifiedDiff } from '../../../core/line-diff.js';
import { PROJECT_ROOT } from '../../support/example-repo.js';

const changedLines = (before: string, after: string) => diffLines(before.split('\n'), after.split('\n')).filter((op) => op.type !== 'keep');

describe('applyEditsToText', () => {
  it('changes only the canary weight line of an environment written with padded flow maps', async () => {
    const file = 'environments/staging.yaml';
    const before = await readFile(path.join(PROJECT_ROOT, file), 'utf8');
    const after = applyEditsToText(file, before, [{ file, kind: 'Environment', name: 'staging', op: 'set', path: ['spec', 'deployments', 0, 'canary', 'weight'], value: 50 }]);
    const ops = changedLines(before, after);
    assert.equal(ops.length, 2, unifiedDiff(before, after, `a/${file}`, `b/${file}`));
    assert.match(after, /^ {6}canary: \{ version: 2\.0\.0, weight: 50 \}$/m);
    assert.ok(after.startsWith('# yaml-language-server: $schema='), 'the leading comment survives');
  });

  it('leaves unpadded flow sequences untouched while editing a padded file', async () => {
    const file = 'policies/drift.yaml';
    const before = await readFile(path.join(PROJECT_ROOT, file), 'utf8');
    const after = applyEditsToText(file, before, [{ file, kind: 'DriftPolicy', name: 'fraud-drift', op: 'set', path: ['spec', 'minSamples'], value: 800 }]);
    assert.match(after, /^ {2}actions: \[rollback, retrain\]$/m);
    assert.equal(changedLines(before, after).length, 2);
  });

  it('removes a canary with exactly one deleted line', async () => {
    const file = 'environments/staging.yaml';
    const before = await readFile(path.join(PROJECT_ROOT, file), 'utf8');
    const after = applyEditsToText(file, before, [{ file, kind: 'Environment', name: 'staging', op: 'delete', path: ['spec', 'deployments', 0, 'canary'] }]);
    const ops = changedLines(before, after);
    assert.deepEqual(ops.map((op) => op.type), ['remove']);
  });

  it('prepends a history entry with one-line metrics in the file’s style', async () => {
    const file = 'catalog/models/fraud-detector.yaml';
    const before = await readFile(path.join(PROJECT_ROOT, file), 'utf8');
    const after = applyEditsToText(file, before, [
      { file, kind: 'ModelCard', name: 'fraud-detector', op: 'prepend', path: ['spec', 'history'], value: { version: '2.0.0', artifact: { uri: 'x.onnx', format: 'onnx' }, metrics: { auc: 0.96 } } },
    ]);
    assert.match(after, /history:\n {4}- version: 2\.0\.0\n {6}artifact: \{ uri: x\.onnx, format: onnx \}\n {6}metrics: \{ auc: 0\.96 \}\n {4}- version: 1\.4\.0/);
    assert.ok(changedLines(before, after).every((op) => op.type === 'add'));
  });

  it('keeps a folded block scalar as written when the edit is elsewhere, and rewrites only it when it is the edit', () => {
    const text = [
      'kind: DriftPolicy',
      'metadata: { name: p }',
      'spec:',
      '  description: >-',
      '    A long description folded by hand at an',
      '    unusual width, which a stringifier would refold.',
      '  minSamples: 500  # a comment that must survive',
      '  actions: [rollback, retrain]',
      '',
    ].join('\n');
    const edit = (path: string[], value: unknown) => [{ file: 'p.yaml', kind: 'DriftPolicy' as const, name: 'p', op: 'set' as const, path, value }];
    const minSamples = applyEditsToText('p.yaml', text, edit(['spec', 'minSamples'], 800));
    assert.deepEqual(changedLines(text, minSamples).map((op) => op.type), ['remove', 'add']);
    assert.match(minSamples, /^ {2}minSamples: 800 # a comment that must survive$/m);
    assert.match(minSamples, /^ {4}A long description folded by hand at an$/m);
    const description = applyEditsToText('p.yaml', text, edit(['spec', 'description'], 'Short.'));
    assert.match(description, /^ {2}description: >-\n {4}Short\.\n {2}minSamples: 500 {2}# a comment that must survive$/m, 'the scalar keeps its style');
    assert.match(description, /^ {2}actions: \[rollback, retrain\]$/m);
  });

  it('names the file and document when the document is missing', () => {
    assert.throws(
      () => applyEditsToText('environments/x.yaml', 'kind: Environment\nmetadata: { name: dev }\n', [{ file: 'environments/x.yaml', kind: 'Environment', name: 'prod', op: 'delete', path: ['spec'] }]),
      /environments\/x\.yaml: no Environment 'prod' to edit/,
    );
  });
});
