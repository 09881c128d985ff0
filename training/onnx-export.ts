/**
 * Writes a trained ensemble as ONNX (domain `ai.onnx.ml`, opset 3), one float input `[N, features]`:
 * - a logistic model as a `TreeEnsembleClassifier` with outputs `label` (int64) and `probabilities`
 *   (`[N, 2]`). The score sits on class id 0 with `post_transform = LOGISTIC`, the sklearn-onnx
 *   convention for a binary model that ONNX Runtime reads as [1 - p, p]. No ZipMap: `run()` cannot
 *   return its map output.
 * - a squared-error model as a `TreeEnsembleRegressor` with one output `value` (`[N, 1]`), the
 *   base score as `base_values` and no transform; the runtime serves that one column as the score.
 */
import { MODEL_INPUT_NAME } from '../core/model-input-encoding.js';
import { PRODUCT_VERSION } from '../core/product.js';
import onnxProto from 'onnx-proto';
import type { GbdtModel } from './gbdt.js';

const { onnx } = onnxProto;
const AttributeType = onnx.AttributeProto.AttributeType;

/** The graph's input and output names, which the runtime feeds and reads. */
export const ONNX_NAMES = { input: MODEL_INPUT_NAME, label: 'label', probabilities: 'probabilities', value: 'value' } as const;

/** Serializes `model` for inputs named `inputNames` (documented in the graph's metadata). */
export function exportOnnx(model: GbdtModel, inputNames: readonly string[], metadata: Readonly<Record<string, string>> = {}): Uint8Array {
  const regression = model.objective === 'squared-error';
  const { nodeAttributes, leaves } = treeAttributes(model);
  const ensemble = regression ? regressorNode(model, nodeAttributes, leaves) : classifierNode(model, nodeAttributes, leaves);
  const dim = (value: number | string) => (typeof value === 'number' ? { dimValue: value } : { dimParam: value });
  const tensor = (name: string, elemType: number, dims: (number | string)[]) => ({
    name,
    type: { tensorType: { elemType, shape: { dim: dims.map(dim) } } },
  });
  const FLOAT = onnx.TensorProto.DataType.FLOAT;
  const INT64 = onnx.TensorProto.DataType.INT64;
  const outputs = regression
    ? [tensor(ONNX_NAMES.value, FLOAT, ['N', 1])]
    : [tensor(ONNX_NAMES.label, INT64, ['N']), tensor(ONNX_NAMES.probabilities, FLOAT, ['N', 2])];
  const proto = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'slipway',
    producerVersion: PRODUCT_VERSION,
    opsetImport: [
      { domain: '', version: 17 },
      { domain: 'ai.onnx.ml', version: 3 },
    ],
    metadataProps: Object.entries({ inputs: inputNames.join(','), ...metadata })
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([key, value]) => ({ key, value })),
    graph: {
      name: 'slipway-gbdt',
      node: [ensemble],
      input: [tensor(ONNX_NAMES.input, FLOAT, ['N', inputNames.length])],
      output: outputs,
    },
  });
  return onnx.ModelProto.encode(proto).finish();
}

type Attribute = Record<string, unknown>;

/** Each leaf of the ensemble: its tree, node and (learning-rate scaled) value. */
interface Leaves {
  readonly treeIds: number[];
  readonly nodeIds: number[];
  readonly weights: number[];
}

const ints = (name: string, values: number[]): Attribute => ({ name, type: AttributeType.INTS, ints: values });
const floats = (name: string, values: number[]): Attribute => ({ name, type: AttributeType.FLOATS, floats: values });
const string = (name: string, value: string): Attribute => ({ name, type: AttributeType.STRING, s: Buffer.from(value) });

// The `nodes_*` attributes both ensemble operators share, and the leaves they weight.
function treeAttributes(model: GbdtModel): { nodeAttributes: Attribute[]; leaves: Leaves } {
  const nodes = { treeIds: [] as number[], nodeIds: [] as number[], featureIds: [] as number[], modes: [] as Buffer[], values: [] as number[], trueIds: [] as number[], falseIds: [] as number[] };
  const leaves: Leaves = { treeIds: [], nodeIds: [], weights: [] };
  model.trees.forEach((tree, treeId) => {
    for (let node = 0; node < tree.feature.length; node++) {
      const leaf = tree.feature[node] === -1;
      nodes.treeIds.push(treeId);
      nodes.nodeIds.push(node);
      nodes.featureIds.push(leaf ? 0 : tree.feature[node]);
      nodes.modes.push(Buffer.from(leaf ? 'LEAF' : 'BRANCH_LEQ'));
      nodes.values.push(leaf ? 0 : tree.threshold[node]);
      nodes.trueIds.push(leaf ? 0 : tree.left[node]);
      nodes.falseIds.push(leaf ? 0 : tree.right[node]);
      if (leaf) {
        leaves.treeIds.push(treeId);
        leaves.nodeIds.push(node);
        leaves.weights.push(tree.value[node]);
      }
    }
  });
  const nodeAttributes = [
    ints('nodes_treeids', nodes.treeIds),
    ints('nodes_nodeids', nodes.nodeIds),
    ints('nodes_featureids', nodes.featureIds),
    { name: 'nodes_modes', type: AttributeType.STRINGS, strings: nodes.modes },
    floats('nodes_values', nodes.values),
    ints('nodes_truenodeids', nodes.trueIds),
    ints('nodes_falsenodeids', nodes.falseIds),
  ];
  return { nodeAttributes, leaves };
}

function classifierNode(model: GbdtModel, nodeAttributes: Attribute[], leaves: Leaves) {
  return {
    opType: 'TreeEnsembleClassifier',
    domain: 'ai.onnx.ml',
    name: 'gbdt',
    input: [ONNX_NAMES.input],
    output: [ONNX_NAMES.label, ONNX_NAMES.probabilities],
    attribute: [
      ...nodeAttributes,
      ints('class_treeids', leaves.treeIds),
      ints('class_nodeids', leaves.nodeIds),
      ints('class_ids', leaves.treeIds.map(() => 0)),
      floats('class_weights', leaves.weights),
      ints('classlabels_int64s', [0, 1]),
      floats('base_values', [model.base]),
      string('post_transform', 'LOGISTIC'),
    ],
  };
}

function regressorNode(model: GbdtModel, nodeAttributes: Attribute[], leaves: Leaves) {
  return {
    opType: 'TreeEnsembleRegressor',
    domain: 'ai.onnx.ml',
    name: 'gbdt',
    input: [ONNX_NAMES.input],
    output: [ONNX_NAMES.value],
    attribute: [
      ...nodeAttributes,
      { name: 'n_targets', type: AttributeType.INT, i: 1 },
      ints('target_treeids', leaves.treeIds),
      ints('target_nodeids', leaves.nodeIds),
      ints('target_ids', leaves.treeIds.map(() => 0)),
      floats('target_weights', leaves.weights),
      floats('base_values', [model.base]),
      string('aggregate_function', 'SUM'),
      string('post_transform', 'NONE'),
    ],
  };
}
