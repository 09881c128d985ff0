/** Bad requests get a 4xx naming the field (the seeded fuzz is ./fuzz.test.ts). */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { postJson, sampleUser, startFixtureRuntime } from './feature-fixture.js';

const valid = { id: 'ok-1', entities: { user_id: 'user-1', transaction_id: 't-1' }, features: sampleUser(1).transaction };

describe('bad input', () => {
  let started: Awaited<ReturnType<typeof startFixtureRuntime>>;
  let base: string;

  before(async () => {
    started = await startFixtureRuntime('staging', (bundle) => ({ ...bundle, onlineStore: undefined }), { onlineStore: null, maxBodyBytes: 16 * 1024 });
    base = `${started.runtime.url}/v2/models/fraud-detector`;
  });

  after(async () => {
    await started?.dispose();
  });

  const cases: [string, string, unknown, number, RegExp][] = [
    ['invalid JSON', '/score', '{"entities": ', 400, /\(body\): is not valid JSON/],
    ['an empty body', '/score', '', 400, /\(body\): is empty/],
    ['a JSON array', '/score', '[]', 400, /\(body\): must be a JSON object/],
    ['a missing entity key', '/score', { entities: { transaction_id: 't' }, features: sampleUser(1).transaction }, 400, /entities\.user_id: is required/],
    ['an unknown entity key', '/score', { entities: { usr_id: 'x' } }, 400, /entities\.usr_id: is not a join key/],
    ['an entity key of the wrong type', '/score', { entities: { user_id: { a: 1 } } }, 400, /entities\.user_id: must be a string or an integer/],
    ['an unknown feature', '/score', { ...valid, features: { amout: 3 } }, 400, /features\.amout: is not an input/],
    ['a string for a number', '/score', { ...valid, features: { amount: '12' } }, 400, /features\.amount: must be a finite number/],
    ['an infinite number', '/score', '{"entities":{"user_id":"u","transaction_id":"t"},"features":{"amount":1e999}}', 400, /features\.amount: must be a finite number/],
    ['a fraction for an integer', '/score', { ...valid, features: { transaction_hour: 3.5 } }, 400, /features\.transaction_hour: must be an integer/],
    ['a number for a bool', '/score', { ...valid, features: { foreign_transaction: 1 } }, 400, /features\.foreign_transaction: must be true or false/],
    ['an unknown top-level field', '/score', { ...valid, entity: {} }, 400, /entity: is not a known field/],
    ['an id that is not a string', '/score', { ...valid, id: 5 }, 400, /id: must be a non-empty string/],
    ['infer without inputs', '/infer', { inputs: [] }, 400, /inputs: must be a non-empty array/],
    ['infer with a wrong datatype', '/infer', { inputs: [{ name: 'amount', datatype: 'INT64', shape: [1], data: [1] }] }, 400, /inputs\[0\]\.datatype: must be FP32/],
    ['infer with a wrong shape', '/infer', { inputs: [{ name: 'amount', datatype: 'FP32', shape: [2, 3], data: [1] }] }, 400, /inputs\[0\]\.shape/],
    ['infer with too little data', '/infer', { inputs: [{ name: 'amount', datatype: 'FP32', shape: [2], data: [1] }] }, 400, /inputs\[0\]\.data: has 1 values/],
    ['infer with a missing input', '/infer', { inputs: [{ name: 'amount', datatype: 'FP32', shape: [1], data: [1] }] }, 400, /inputs: missing transaction-features:transaction_hour/],
    ['feedback for an unknown id', '/feedback', { id: 'never', label: 1 }, 404, /id: no recent prediction/],
    ['feedback with a bad label', '/feedback', { id: 'x', label: 'maybe' }, 400, /label: must be/],
  ];

  for (const [what, path, body, status, message] of cases) {
    it(`answers ${status} naming the field for ${what}`, async () => {
      const response = await postJson(`${base}${path}`, body);
      assert.equal(response.status, status, JSON.stringify(response.body));
      assert.match(String(response.body.error), message);
    });
  }

  it('answers 404 for unknown models, versions and paths, and 405 for a wrong method', async () => {
    assert.match(String((await postJson(`${started.runtime.url}/v2/models/nope/score`, valid)).body.error), /model: 'nope' is not served here/);
    assert.match(String((await postJson(`${base}/versions/7.7.7/score`, valid)).body.error), /version: '7\.7\.7' of fraud-detector is not loaded/);
    assert.equal((await fetch(`${started.runtime.url}/v3/anything`)).status, 404);
    assert.equal((await fetch(`${base}/score`)).status, 405);
    assert.equal((await postJson(`${started.runtime.url}/v2/models/%E0%A4%A/score`, valid)).status, 400);
  });

  it('answers 413 for a body over the limit and keeps serving', async () => {
    const response = await postJson(`${base}/score`, { ...valid, id: 'x', pad: 'y'.repeat(20_000) });
    assert.equal(response.status, 413);
    assert.match(String(response.body.error), /\(body\): is larger than 16384 bytes/);
    assert.equal((await postJson(`${base}/score`, valid)).status, 200);
  });
});
