/** YAML edits keep comments, key order and the formatting of every untouched line. */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { applyEditsToText } from '../../../controllers/edits/apply-edits.js';
import { diffLines, unifiedDiff } from '../../../controllers/edits/line-diff.js';
import { PROJECT_ROOT } from '../../support/example-repo.js';

const changedLines = (before: string, after: string) => diffLines(before.split('\n'), after.split('\n')).filter((op) => op.type !== 'keep');

describe('applyEditsToText', () => {
  it('changes only the canary weight line of an environment written with padded flow maps', async () => {
    const file = 'environments/staging.yaml';
    const before = await readFile(path.join(PROJECT_ROOT, file), 'utf8');
    const after = applyEditsToText(file, before, [{ file, kind: 'Environment', name: 'staging', op: 'set', path: ['spec', 'deployments', 0, 'canary', 'weight'], value: 50 }]);
    const ops = changedLines(before, after);
    assert.equal(ops.length, 2, unifiedDiff(file, before, after));
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

  it('names the file and document when the document is missing', () => {
    assert.throws(
      () => applyEditsToText('environments/x.yaml', 'kind: Environment\nmetadata: { name: dev }\n', [{ file: 'environments/x.yaml', kind: 'Environment', name: 'prod', op: 'delete', path: ['spec'] }]),
      /environments\/x\.yaml: no Environment 'prod' to edit/,
    );
  });
});
