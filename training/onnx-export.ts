/**
 * Writes a trained ensemble as an ONNX `TreeEnsembleClassifier` (domain `ai.onnx.ml`, opset 3):
 * one float input `[N, features]`, outputs `label` (int64) and `probabilities` (`[N, 2]`). The score
 * sits on class id 0 with `post_transform = LOGISTIC`, the sklearn-onnx convention for a binary
 * model that ONNX Runtime reads as [1 - p, p]. No ZipMap: `run()` cannot return its map output.
 */
import { MODEL_INPUT_NAME } from '../core/model-input-encoding.js';
import onnxProto from 'onnx-proto';
import type { GbdtModel } from './gbdt.js';

const { onnx } = onnxProto;
const AttributeType = onnx.AttributeProto.AttributeType;

/** The graph's input and output names, which the runtime feeds and reads. */
export const ONNX_NAMES = { input: MODEL_INPUT_NAME, label: 'label', probabilities: 'probabilities' } as const;

/** Serializes `model` for inputs named `inputNames` (documented in the graph's metadata). */
export function exportOnnx(model: GbdtModel, inputNames: readonly string[], metadata: Readonly<Record<string, string>> = {}): Uint8Array {
  const nodes = { treeIds: [] as number[], nodeIds: [] as number[], featureIds: [] as number[], modes: [] as Buffer[], values: [] as number[], trueIds: [] as number[], falseIds: [] as number[] };
  const classes = { treeIds: [] as number[], nodeIds: [] as number[], ids: [] as number[], weights: [] as number[] };
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
        classes.treeIds.push(treeId);
        classes.nodeIds.push(node);
        classes.ids.push(0);
        classes.weights.push(tree.value[node]);
      }
    }
  });
  const ints = (name: string, values: number[]) => ({ name, type: AttributeType.INTS, ints: values });
  const floats = (name: string, values: number[]) => ({ name, type: AttributeType.FLOATS, floats: values });
  const ensemble = {
    opType: 'TreeEnsembleClassifier',
    domain: 'ai.onnx.ml',
    name: 'gbdt',
    input: [ONNX_NAMES.input],
    output: [ONNX_NAMES.label, ONNX_NAMES.probabilities],
    attribute: [
      ints('nodes_treeids', nodes.treeIds),
      ints('nodes_nodeids', nodes.nodeIds),
      ints('nodes_featureids', nodes.featureIds),
      { name: 'nodes_modes', type: AttributeType.STRINGS, strings: nodes.modes },
      floats('nodes_values', nodes.values),
      ints('nodes_truenodeids', nodes.trueIds),
      ints('nodes_falsenodeids', nodes.falseIds),
      ints('class_treeids', classes.treeIds),
      ints('class_nodeids', classes.nodeIds),
      ints('class_ids', classes.ids),
      floats('class_weights', classes.weights),
      ints('classlabels_int64s', [0, 1]),
      floats('base_values', [model.base]),
      { name: 'post_transform', type: AttributeType.STRING, s: Buffer.from('LOGISTIC') },
    ],
  };
  const dim = (value: number | string) => (typeof value === 'number' ? { dimValue: value } : { dimParam: value });
  const tensor = (name: string, elemType: number, dims: (number | string)[]) => ({
    name,
    type: { tensorType: { elemType, shape: { dim: dims.map(dim) } } },
  });
  const FLOAT = onnx.TensorProto.DataType.FLOAT;
  const INT64 = onnx.TensorProto.DataType.INT64;
  const proto = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'slipway',
    producerVersion: '0.1.0',
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
      output: [tensor(ONNX_NAMES.label, INT64, ['N']), tensor(ONNX_NAMES.probabilities, FLOAT, ['N', 2])],
    },
  });
  return onnx.ModelProto.encode(proto).finish();
}
