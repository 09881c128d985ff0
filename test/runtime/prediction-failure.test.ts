/**
 * A prediction that fails after the request was routed is recorded under the version that failed
 * it: the request metrics' denominator of the version's error rate includes it, and the log names it.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { buildFailingModel } from '../support/onnx-fixture.js';
import { postJson, sampleUser, sampleValue, startFixtureRuntime } from './feature-fixture.js';

describe('a prediction that fails in ONNX Runtime', () => {
  let started: Awaited<ReturnType<typeof startFixtureRuntime>>;

  before(async () => {
    const failing = buildFailingModel(8);
    // The canary (2.0.0) gets the failing model, written into the fixture's store before the
    // runtime starts; the stable keeps its fixture model.
    started = await startFixtureRuntime('staging', (bundle) => {
      const store = fileURLToPath(bundle.artifactStore!.url);
      mkdirSync(path.join(store, 'models/failing'), { recursive: true });
      writeFileSync(path.join(store, 'models/failing/model.onnx'), failing.bytes);
      return {
        ...bundle,
        onlineStore: undefined,
        versions: bundle.versions.map((version) => (version.version === '2.0.0' ? { ...version, artifact: { uri: 'models/failing/model.onnx', sha256: failing.sha256 } } : version)),
      };
    }, { onlineStore: null });
  });

  after(() => started?.dispose());

  const metrics = async () => (await fetch(`${started.runtime.url}/metrics`)).text();

  // One tensor per input the model's metadata lists, typed as it says; the stored inputs get 1 or false.
  const inferInputs = async (values: Record<string, unknown>) => {
    const metadata = (await (await fetch(`${started.runtime.url}/v2/models/fraud-detector/versions/2.0.0`)).json()) as { inputs: { name: string; datatype: string }[] };
    return metadata.inputs.map((input) => {
      const value = values[input.name.split(':').pop()!] ?? (input.datatype === 'BOOL' ? false : 1);
      return { name: input.name, datatype: input.datatype, shape: [1], data: [value] };
    });
  };

  for (const route of ['score', 'infer'] as const) {
    it(`answers 500 on ${route} and counts the request under the version that failed it`, async () => {
      const transaction = { ...sampleUser(1).transaction, amount: 1500 };
      const url = `${started.runtime.url}/v2/models/fraud-detector/versions/2.0.0/${route}`;
      const body = route === 'score'
        ? { entities: { user_id: 'user-1', transaction_id: 't-1' }, features: transaction }
        : { inputs: await inferInputs(transaction) };
      const answer = await postJson(url, body);
      assert.equal(answer.status, 500, JSON.stringify(answer.body));
      const text = await metrics();
      const labels = { model: 'fraud-detector', version: '2.0.0', route, status: '500' };
      assert.equal(sampleValue(text, 'slipway_request_duration_seconds_count', labels), 1, 'the failed request is counted under 2.0.0');
      assert.equal(sampleValue(text, 'slipway_request_duration_seconds_count', { ...labels, model: '', version: '' }), null, 'and not under no version');
      const logged = started.logs.map((line) => JSON.parse(line)).filter((entry) => entry.msg === 'request failed' && entry.route === route);
      assert.equal(logged.length, 1);
      assert.equal(logged[0].version, '2.0.0');
      assert.match(logged[0].error, /indices|out of|bounds/i, 'ONNX Runtime\'s own message is logged');
    });
  }

  it('still answers a row the failing model can score', async () => {
    const answer = await postJson(`${started.runtime.url}/v2/models/fraud-detector/versions/2.0.0/score`, {
      entities: { user_id: 'user-2', transaction_id: 't-2' },
      features: { ...sampleUser(2).transaction, amount: 0.5 },
    });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
  });
});
