/**
 * The REST API as the Open Inference Protocol describes it: every answer validated against the
 * protocol's own OpenAPI description (vendored in test/support/open-inference-protocol), for every
 * operation and both path forms, batches of 1 and 4, requested outputs and errors; and requests
 * as KServe's Python client builds them (`InferRequest.to_rest()`, which always sends model_name).
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { PROJECT_ROOT } from '../support/example-repo.js';
import { startFixtureRuntime } from './feature-fixture.js';

const SPEC = parse(readFileSync(path.join(PROJECT_ROOT, 'test/support/open-inference-protocol/open_inference_rest.yaml'), 'utf8')) as object;
const ajv = new Ajv({ strict: false, allErrors: true });
ajv.addSchema({ ...SPEC, $id: 'oip' });

function conforms(schema: string, body: unknown): void {
  const validate = ajv.getSchema(`oip#/components/schemas/${schema}`)!;
  assert.ok(validate(body), `${schema}: ${ajv.errorsText(validate.errors)} in ${JSON.stringify(body).slice(0, 400)}`);
}

describe('the Open Inference Protocol over REST', () => {
  let started: Awaited<ReturnType<typeof startFixtureRuntime>>;
  let base: string;
  let inputs: { name: string; datatype: string }[];

  before(async () => {
    started = await startFixtureRuntime('staging', (bundle) => ({ ...bundle, onlineStore: undefined }), { onlineStore: null });
    base = `${started.runtime.url}/v2`;
    inputs = ((await (await fetch(`${base}/models/fraud-detector`)).json()) as { inputs: typeof inputs }).inputs;
  });
  after(() => started?.dispose());

  const get = async (url: string) => {
    const response = await fetch(url);
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const post = async (url: string, body: unknown) => {
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  // One tensor per input the metadata lists, `rows` rows, typed as the metadata says.
  const tensors = (rows: number) =>
    inputs.map((input) => ({
      name: input.name,
      datatype: input.datatype,
      shape: [rows],
      data: Array.from({ length: rows }, (_, row) => (input.datatype === 'BOOL' ? row % 2 === 0 : input.datatype === 'BYTES' ? 'Travel' : input.datatype === 'FP32' ? 10.5 + row : row + 1)),
    }));

  it('serves health, server metadata and model metadata as the protocol describes them', async () => {
    assert.equal((await fetch(`${base}/health/live`)).status, 200);
    assert.equal((await fetch(`${base}/health/ready`)).status, 200);
    const server = await get(`${base}`);
    conforms('metadata_server_response', server.body);
    for (const url of [`${base}/models/fraud-detector`, `${base}/models/fraud-detector/versions/2.0.0`]) {
      const model = await get(url);
      assert.equal(model.status, 200);
      conforms('metadata_model_response', model.body);
      assert.equal(model.body.platform, 'onnx_onnxv1');
      const properties = model.body.properties as Record<string, string>;
      assert.ok(['stable', 'canary'].includes(properties.role) && /^[0-9a-f]{64}$/.test(properties.sha256), JSON.stringify(properties));
    }
    assert.equal((await fetch(`${base}/models/fraud-detector/ready`)).status, 200);
    assert.equal((await fetch(`${base}/models/fraud-detector/versions/1.4.0/ready`)).status, 200);
  });

  for (const rows of [1, 4]) {
    for (const suffix of ['', '/versions/1.4.0']) {
      it(`answers infer at batch ${rows} on /models/fraud-detector${suffix}/infer with a conforming body`, async () => {
        const answer = await post(`${base}/models/fraud-detector${suffix}/infer`, { id: `r-${rows}`, inputs: tensors(rows), parameters: { trace: 'x' } });
        assert.equal(answer.status, 200, JSON.stringify(answer.body));
        conforms('inference_response', answer.body);
        assert.equal(answer.body.id, `r-${rows}`);
        const outputs = answer.body.outputs as { name: string; shape: number[] }[];
        assert.deepEqual(outputs.map((output) => [output.name, output.shape[0]]), [['score', rows], ['class', rows]]);
      });
    }
  }

  it('returns only the outputs asked for, in that order, and refuses an unknown one', async () => {
    const scoreOnly = await post(`${base}/models/fraud-detector/infer`, { inputs: tensors(2), outputs: [{ name: 'score' }] });
    conforms('inference_response', scoreOnly.body);
    assert.deepEqual((scoreOnly.body.outputs as { name: string }[]).map((output) => output.name), ['score']);
    const reversed = await post(`${base}/models/fraud-detector/infer`, { inputs: tensors(1), outputs: [{ name: 'class' }, { name: 'score' }] });
    assert.deepEqual((reversed.body.outputs as { name: string }[]).map((output) => output.name), ['class', 'score']);
    const unknown = await post(`${base}/models/fraud-detector/infer`, { inputs: tensors(1), outputs: [{ name: 'probabilities' }] });
    assert.equal(unknown.status, 400);
    conforms('inference_error_response', unknown.body);
    assert.match(String(unknown.body.error), /outputs\[0\]\.name: "probabilities" is not an output of this model/);
  });

  it('accepts the body KServe\'s client sends (model_name, a uuid id, input parameters) and an empty id', async () => {
    const id = randomUUID();
    const kserve = await post(`${base}/models/fraud-detector/infer`, { id, model_name: 'fraud-detector', inputs: tensors(1).map((tensor) => ({ ...tensor, parameters: {} })) });
    assert.equal(kserve.status, 200, JSON.stringify(kserve.body));
    assert.equal(kserve.body.id, id);
    const empty = await post(`${base}/models/fraud-detector/infer`, { id: '', inputs: tensors(1) });
    assert.equal(empty.status, 200, JSON.stringify(empty.body));
    assert.equal(empty.body.id, '', 'the id is echoed as given');
    const elsewhere = await post(`${base}/models/fraud-detector/infer`, { model_name: 'other-model', inputs: tensors(1) });
    assert.equal(elsewhere.status, 400);
    assert.match(String(elsewhere.body.error), /model_name: is "other-model", but the path names 'fraud-detector'/);
  });

  it('answers errors with the protocol\'s error object', async () => {
    for (const [url, body] of [
      [`${base}/models/fraud-detector/infer`, { inputs: [] }],
      [`${base}/models/fraud-detector/infer`, { inputs: [{ name: 'amount', datatype: 'INT64', shape: [1], data: [1] }] }],
      [`${base}/models/fraud-detector/versions/9.9.9/infer`, { inputs: tensors(1) }],
      [`${base}/models/unknown/infer`, { inputs: tensors(1) }],
    ] as const) {
      const answer = await post(url, body);
      assert.ok(answer.status >= 400 && answer.status < 500, `${url}: ${answer.status}`);
      conforms('inference_error_response', answer.body);
    }
  });
});
