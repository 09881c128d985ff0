/** A drift proposal judges and names the statistic its DriftPolicy names per input type. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { proposeDriftAction, type DriftWindow } from '../../../controllers/proposals/drift.js';
import { noData } from '../../../controllers/proposals/evidence.js';
import { catalogWithDriftPolicy } from '../../support/drift-catalog.js';

const AMOUNT = 'transaction-features:amount';
const DEVICE = 'behavioral-features:device_trust_score';
const MERCHANT = 'transaction-features:merchant_category';

function window(offsetMs: number, values: Record<string, number>): DriftWindow {
  const type = (ref: string) => (ref === MERCHANT ? 'categorical' : 'numeric') as 'numeric' | 'categorical';
  return {
    offsetMs,
    samples: 1000,
    inputs: Object.entries(values).map(([ref, value]) => ({ ref, type: type(ref), value })),
    score: 0.01,
    queries: { features: 'bins query', score: 'bins query', samples: 'samples query' },
  };
}

describe('drift proposals by statistic', () => {
  it('retrains on KS and Cramér\'s V above their act levels, and says which statistic each row is', async () => {
    const catalog = await catalogWithDriftPolicy({
      numeric: { statistic: 'ks', warn: 0.1, act: 0.2 },
      categorical: { statistic: 'chi-squared', warn: 0.02, act: 0.03 },
      rollbackWithinMs: undefined,
    });
    const values = { [AMOUNT]: 0.35, [DEVICE]: 0.05, [MERCHANT]: 0.04 };
    const decision = proposeDriftAction(catalog, {
      environment: 'prod',
      model: 'fraud-detector',
      windows: [window(86_400_000, values), window(0, values)],
      deployedAgoMs: null,
      previousStable: null,
      previousScorePsi: noData('none'),
      errorRate: noData('none'),
      rolledBack: new Set(),
    });
    assert.equal(decision.kind, 'propose');
    if (decision.kind !== 'propose') return;
    const row = (name: string) => decision.proposal.evidence.find((candidate) => candidate.name === name)!;
    assert.deepEqual([row(AMOUNT).threshold, row(AMOUNT).pass], ['KS < 0.2 (warn 0.1)', false]);
    assert.deepEqual([row(DEVICE).threshold, row(DEVICE).pass], ['KS < 0.2 (warn 0.1)', true]);
    assert.deepEqual([row(MERCHANT).threshold, row(MERCHANT).pass], ["Cramér's V < 0.03 (warn 0.02)", false], 'a V of 0.04 acts at 0.03, where a PSI level would not');
    assert.match(decision.proposal.charts[0].title, /^KS per numeric input/);
  });

  it('does not act on the same figures when the policy names PSI at its PSI levels', async () => {
    const catalog = await catalogWithDriftPolicy({ rollbackWithinMs: undefined });
    const values = { [AMOUNT]: 0.35, [DEVICE]: 0.05, [MERCHANT]: 0.04 };
    const decision = proposeDriftAction(catalog, {
      environment: 'prod',
      model: 'fraud-detector',
      windows: [window(86_400_000, values), window(0, values)],
      deployedAgoMs: null,
      previousStable: null,
      previousScorePsi: noData('none'),
      errorRate: noData('none'),
      rolledBack: new Set(),
    });
    assert.equal(decision.kind, 'wait', 'one input above the PSI act level of 0.2, minFeatures is 2');
  });
});
