/**
 * One judgement of a PromotionPolicy for training results and promotions alike: the example's
 * `to-staging` slice rule holds a promotion from dev, a regression against the version staging
 * serves holds it too, and the same rules reject a training result.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { Catalog } from '../../../core/catalog.js';
import { judgePromotionPolicy } from '../../../controllers/proposals/promotion-judgement.js';
import { proposePromotion } from '../../../controllers/proposals/promotion.js';
import { proposeNewVersion } from '../../../controllers/proposals/retrain-result.js';
import { loadExampleWith } from '../../support/catalog-fixture.js';
import { PROJECT_ROOT } from '../../support/example-repo.js';
import { trainingResult } from '../fixtures.js';

const CARD = 'catalog/models/fraud-detector.yaml';
const STAGING = 'environments/staging.yaml';
const POLICIES = 'policies/promotion.yaml';

/** The example, with staging's canary taken out (so dev's 2.0.0 may be promoted) and `edits` applied. */
async function exampleWith(edits: Readonly<Record<string, readonly [string, string][]>> = {}): Promise<Catalog> {
  const files: Record<string, readonly [string, string][]> = { [STAGING]: [['      canary: { version: 2.0.0, weight: 10 }\n', '']], ...edits };
  if (edits[STAGING] !== undefined) files[STAGING] = [['      canary: { version: 2.0.0, weight: 10 }\n', ''], ...edits[STAGING]];
  const changes: Record<string, string> = {};
  for (const [file, replacements] of Object.entries(files)) {
    let text = await readFile(path.join(PROJECT_ROOT, file), 'utf8');
    for (const [from, to] of replacements) {
      assert.ok(text.includes(from), `${file} no longer contains ${JSON.stringify(from)}`);
      text = text.replace(from, to);
    }
    changes[file] = text;
  }
  const loaded = await loadExampleWith(changes);
  if (!loaded.ok) throw new Error(loaded.diagnostics.map((problem) => `${problem.file}:${problem.line} ${problem.message}`).join('\n'));
  return loaded.catalog;
}

const promoteToStaging = (catalog: Catalog) =>
  proposePromotion(catalog, { from: 'dev', to: 'staging', model: 'fraud-detector', servedForMs: 30 * 86_400_000, firingAlerts: { value: 0, query: 'alerts' } });

const reasonsOf = (decision: ReturnType<typeof promoteToStaging>) => (decision.kind === 'propose' ? [] : decision.reasons);

describe('a PromotionPolicy is judged the same way for results and promotions', () => {
  it('promotes dev’s stable to staging when the card clears to-staging, showing the slice row', async () => {
    const decision = promoteToStaging(await exampleWith());
    assert.equal(decision.kind, 'propose', JSON.stringify(reasonsOf(decision)));
    const slice = decision.kind === 'propose' ? decision.proposal.evidence.find((row) => row.name === 'auc on slice international') : undefined;
    assert.deepEqual(slice, { name: 'auc on slice international', observed: 0.9918, threshold: '≥ 0.85', pass: true, source: CARD });
  });

  it('holds a promotion whose version fails a slice minimum of the target’s policy', async () => {
    const catalog = await exampleWith({ [CARD]: [['metrics: { auc: 0.9918, f1: 0.8786', 'metrics: { auc: 0.81, f1: 0.8786']] });
    const decision = promoteToStaging(catalog);
    assert.equal(decision.kind, 'wait');
    assert.deepEqual(reasonsOf(decision), ['auc on slice international: 0.81 does not meet ≥ 0.85']);
  });

  it('holds a promotion that regresses against the version the target serves now', async () => {
    // to-staging gains a no-regression rule; staging serves 1.4.0, whose recorded F1 is made higher than 2.0.0's.
    const catalog = await exampleWith({
      [POLICIES]: [['    - { slice: international, metric: auc, min: 0.85 }\n', '    - { slice: international, metric: auc, min: 0.85 }\n  noRegression: { metrics: [f1], margin: 0.01 }\n']],
      [CARD]: [['metrics: { auc: 0.991, f1: 0.7831', 'metrics: { auc: 0.991, f1: 0.9']],
    });
    const decision = promoteToStaging(catalog);
    assert.deepEqual(reasonsOf(decision), ['f1 vs 1.4.0: 0.8612 does not meet ≥ 0.89 (0.9 − margin 0.01)']);
  });

  it('rejects a training result on the first environment’s slice rule with the same row', async () => {
    const catalog = await exampleWith({ [POLICIES]: [['  noRegression: { metrics: [auc, f1], margin: 0.01 }\n', '  noRegression: { metrics: [auc, f1], margin: 0.01 }\n  slices:\n    - { slice: international, metric: auc, min: 0.95 }\n']] });
    const decision = proposeNewVersion(catalog, { result: trainingResult({ metrics: { auc: 0.998, f1: 0.925 } }), origin: 'r.json' });
    assert.deepEqual(decision.kind === 'reject' && decision.reasons, ['auc on slice international: 0.92 does not meet ≥ 0.95']);
  });

  it('judges no regression of a training result against the version the first environment serves, not the card’s newest', async () => {
    // dev serves 1.4.0 here; the card's current 2.0.0 has a higher AUC than the result, 1.4.0 does not.
    const catalog = await exampleWith({
      'environments/dev.yaml': [['      stable: 2.0.0\n', '      stable: 1.4.0\n']],
      [CARD]: [['metrics: { auc: 0.9969, f1: 0.8612', 'metrics: { auc: 0.999, f1: 0.8612']],
    });
    const decision = proposeNewVersion(catalog, { result: trainingResult({ metrics: { auc: 0.985, f1: 0.925, precision: 0.93, recall: 0.92 } }), origin: 'r.json' });
    assert.equal(decision.kind, 'propose', JSON.stringify(decision));
    const rows = decision.kind === 'propose' ? decision.proposal.evidence.map((row) => row.name) : [];
    assert.ok(rows.includes('auc vs 1.4.0'), rows.join(', '));
  });

  it('turns required checks into rows once the forge reports them: a failing or pending check holds the version', async () => {
    const catalog = await exampleWith();
    const policy = catalog.promotionPolicies.get('to-staging')!;
    const card = catalog.models.get('fraud-detector')!;
    const candidate = { version: '2.0.0', metrics: card.current.metrics, slices: card.current.slices, source: CARD };
    const judge = (state: 'success' | 'failure' | 'pending') => judgePromotionPolicy(policy, { candidate, incumbent: null, checks: new Map([['tests', state]]) });
    assert.equal(judge('success').failures.length + judge('success').pending.length, 0);
    assert.deepEqual(judge('failure').failures.map((row) => row.name), ['check tests']);
    assert.deepEqual(judge('pending').pending.map((row) => row.name), ['check tests']);
    // Until somebody reads the checks, the policy's requiredChecks add no row.
    assert.ok(judgePromotionPolicy(policy, { candidate, incumbent: null }).rows.every((row) => !row.name.startsWith('check ')));
  });
});
