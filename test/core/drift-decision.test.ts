import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decideDrift, driftInputType, type DriftRule, type DriftWindowStatistics } from '../../core/drift-decision.js';
import { loadCatalogOrThrow } from '../../core/load/load-catalog.js';
import { PROJECT_ROOT } from '../support/example-repo.js';

const RULE: DriftRule = {
  numeric: { statistic: 'psi', warn: 0.1, act: 0.2 },
  categorical: { statistic: 'psi', warn: 0.3, act: 0.5 },
  score: { warn: 0.1, act: 0.2 },
  minSamples: 500,
  consecutiveWindows: 2,
  minFeatures: 2,
};

/** A window of 1000 samples with numeric inputs `a`, `b`, `c` and categorical `k`. */
function window(values: { a?: number; b?: number; c?: number; k?: number; score?: number | null; samples?: number }): DriftWindowStatistics {
  return {
    samples: values.samples ?? 1000,
    inputs: [
      { ref: 'v:a', type: 'numeric', value: values.a ?? 0.01 },
      { ref: 'v:b', type: 'numeric', value: values.b ?? 0.01 },
      { ref: 'v:c', type: 'numeric', value: values.c ?? 0.01 },
      { ref: 'v:k', type: 'categorical', value: values.k ?? 0.01 },
    ],
    score: values.score === undefined ? 0.01 : values.score,
  };
}

describe('decideDrift acts', () => {
  it('acts when minFeatures inputs are above act in every one of the consecutive windows', () => {
    const decision = decideDrift(RULE, [window({ a: 0.3, b: 0.25 }), window({ a: 0.4, b: 0.21 })]);
    assert.equal(decision.verdict, 'act');
    assert.deepEqual(decision.acting, ['v:a', 'v:b']);
    assert.equal(decision.scoreActing, false);
  });

  it('acts on the score alone, whatever minFeatures says', () => {
    const decision = decideDrift(RULE, [window({ score: 0.3 }), window({ score: 0.25 })]);
    assert.equal(decision.verdict, 'act');
    assert.deepEqual(decision.acting, []);
    assert.equal(decision.scoreActing, true);
  });

  it('looks only at the last consecutiveWindows windows', () => {
    const decision = decideDrift(RULE, [window({ samples: 3 }), window({}), window({ a: 0.3, b: 0.3 }), window({ a: 0.3, b: 0.3 })]);
    assert.equal(decision.verdict, 'act');
  });

  it('lists the acting inputs sorted, whatever order the windows give them in', () => {
    const reversed = (w: DriftWindowStatistics): DriftWindowStatistics => ({ ...w, inputs: [...w.inputs].reverse() });
    const decision = decideDrift(RULE, [reversed(window({ c: 0.9, a: 0.9 })), window({ a: 0.9, c: 0.9 })]);
    assert.deepEqual(decision.acting, ['v:a', 'v:c']);
  });
});

describe('decideDrift holds back', () => {
  it('does not act on fewer inputs than minFeatures, but warns', () => {
    const decision = decideDrift(RULE, [window({ a: 0.9 }), window({ a: 0.9 })]);
    assert.equal(decision.verdict, 'warn');
    assert.deepEqual(decision.acting, ['v:a']);
    assert.deepEqual(decision.warning, ['v:a']);
  });

  it('does not act when the inputs above act differ from one window to the next', () => {
    const decision = decideDrift(RULE, [window({ a: 0.9, b: 0.9 }), window({ b: 0.9, c: 0.9 })]);
    assert.notEqual(decision.verdict, 'act');
    assert.deepEqual(decision.acting, ['v:b']);
  });

  it('does not act when only the latest window is above act', () => {
    const decision = decideDrift(RULE, [window({}), window({ a: 0.9, b: 0.9, score: 0.9 })]);
    assert.equal(decision.verdict, 'warn');
    assert.deepEqual(decision.acting, []);
  });

  it('does not act with fewer windows than consecutiveWindows', () => {
    const decision = decideDrift(RULE, [window({ a: 0.9, b: 0.9 })]);
    assert.equal(decision.verdict, 'warn');
    assert.match(decision.reason, /above the warn level/);
  });

  it('waits when the latest window has fewer than minSamples samples', () => {
    const decision = decideDrift(RULE, [window({ a: 0.9, b: 0.9 }), window({ a: 0.9, b: 0.9, samples: 499 })]);
    assert.equal(decision.verdict, 'wait');
    assert.match(decision.reason, /499 samples; the policy needs 500/);
    assert.equal(decideDrift(RULE, []).verdict, 'wait');
  });

  it('does not act when an earlier window of the streak has fewer than minSamples samples', () => {
    const decision = decideDrift(RULE, [window({ a: 0.9, b: 0.9, samples: 10 }), window({ a: 0.9, b: 0.9 })]);
    assert.equal(decision.verdict, 'warn');
  });

  it('judges categorical inputs by the categorical levels', () => {
    const below = decideDrift(RULE, [window({ a: 0.9, k: 0.45 }), window({ a: 0.9, k: 0.45 })]);
    assert.deepEqual(below.acting, ['v:a']);
    const over = decideDrift(RULE, [window({ a: 0.9, k: 0.55 }), window({ a: 0.9, k: 0.55 })]);
    assert.deepEqual(over.acting, ['v:a', 'v:k']);
    assert.equal(over.verdict, 'act');
  });

  it('treats a value equal to the level as not above it, and NaN as never above', () => {
    const decision = decideDrift(RULE, [window({ a: 0.2, b: Number.NaN }), window({ a: 0.2, b: Number.NaN })]);
    assert.equal(decision.verdict, 'warn');
    assert.deepEqual(decision.acting, []);
    assert.deepEqual(decision.warning, ['v:a']);
  });

  it('ignores an unmeasured score and a policy without score levels', () => {
    assert.equal(decideDrift(RULE, [window({ score: null }), window({ score: null })]).verdict, 'ok');
    const noScore: DriftRule = { ...RULE, score: undefined };
    assert.equal(decideDrift(noScore, [window({ score: 0.9 }), window({ score: 0.9 })]).verdict, 'ok');
  });

  it('is ok when nothing is above a warn level', () => {
    const decision = decideDrift(RULE, [window({}), window({ a: 0.05 })]);
    assert.equal(decision.verdict, 'ok');
    assert.deepEqual(decision.warning, []);
  });
});

describe('driftInputType', () => {
  it('judges strings and booleans as categories and numbers as numeric', () => {
    assert.equal(driftInputType('string'), 'categorical');
    assert.equal(driftInputType('bool'), 'categorical');
    for (const dtype of ['int32', 'int64', 'float32', 'float64'] as const) assert.equal(driftInputType(dtype), 'numeric');
  });
});

describe('the example DriftPolicy', () => {
  it('keeps the seed levels and needs more than one drifting input in consecutive windows of a day', async () => {
    const policy = (await loadCatalogOrThrow(PROJECT_ROOT)).driftPolicies.get('fraud-drift');
    assert.ok(policy !== undefined, 'policies/drift.yaml defines fraud-drift');
    assert.equal(policy.numeric.act, 0.2);
    assert.equal(policy.numeric.warn, 0.1);
    assert.equal(policy.windowMs, 86_400_000);
    // One input (a holiday's velocity) above act for days on end is a warning, not a retrain.
    const oneInput = Array.from({ length: 5 }, () => window({ a: 0.3, samples: policy.minSamples }));
    assert.equal(decideDrift(policy, oneInput).verdict, 'warn');
    const twoInputs = Array.from({ length: policy.consecutiveWindows }, () => window({ a: 0.3, b: 0.4, samples: policy.minSamples }));
    assert.equal(decideDrift(policy, twoInputs).verdict, 'act');
  });
});
