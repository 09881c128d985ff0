/** A card's output settings decide the class the runtime answers and the labels it accepts back. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RuntimeBundle } from '../../core/bundle.js';
import { postJson, sampleUser, startFixtureRuntime } from './feature-fixture.js';

/** The classes a runtime with `output` answers for a few requests, and its answer to a label. */
async function classesAnswered(output: RuntimeBundle['output'], label: unknown): Promise<{ classes: string[]; feedbackStatus: number }> {
  const started = await startFixtureRuntime('staging', (bundle) => ({ ...bundle, onlineStore: undefined, output }), { onlineStore: null });
  try {
    const base = `${started.runtime.url}/v2/models/fraud-detector`;
    const classes: string[] = [];
    for (let index = 0; index < 5; index += 1) {
      const { user, transaction } = sampleUser(index);
      const features = { ...transaction, ...Object.fromEntries(Object.entries(user.values).map(([ref, value]) => [ref.split(':')[1], value])) };
      const response = await postJson(`${base}/score`, { id: `out-${index}`, entities: { user_id: `user-${index}`, transaction_id: `t-${index}` }, features });
      assert.equal(response.status, 200, JSON.stringify(response.body));
      classes.push(response.body.class as string);
    }
    const feedback = await postJson(`${base}/feedback`, { id: 'out-0', label });
    return { classes, feedbackStatus: feedback.status };
  } finally {
    await started.dispose();
  }
}

describe("the card's output", () => {
  it('answers the positive class at or above the threshold, by the names in classes, and takes those names back as labels', async () => {
    const everything = await classesAnswered({ threshold: 0, classes: ['ok', 'flagged'] }, 'flagged');
    assert.deepEqual(everything.classes, Array(5).fill('flagged'));
    assert.equal(everything.feedbackStatus, 200);
    const nothing = await classesAnswered({ threshold: 1.01, classes: ['ok', 'flagged'] }, 'fraud');
    assert.deepEqual(nothing.classes, Array(5).fill('ok'));
    assert.equal(nothing.feedbackStatus, 400, "'fraud' is no class of this card");
  });
});
