/**
 * Small ONNX models built in JavaScript with `onnx-proto`, until the trainer produces real ones: a
 * binary `TreeEnsembleClassifier` (score on class id 0, LOGISTIC, no ZipMap, as the trainer will
 * emit) with deterministic random trees, plus a JavaScript evaluation of the same trees so that
 * tests can check the runtime's answers. Also writes a bundle of the example catalog whose
 * artifacts are such models.
 */
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import onnxProto from 'onnx-proto';
import { buildBundle, type RuntimeBundle, serializeBundle } from '../../core/bundle.js';
import { loadCatalogOrThrow } from '../../core/load/load-catalog.js';
import { MODEL_INPUT_NAME } from '../../core/model-input-encoding.js';
import { PROJECT_ROOT } from './example-repo.js';

const { onnx } = onnxProto;

/** How to build a fixture model. */
export interface TreeModelOptions {
  /** Number of float inputs (columns of the `input` tensor). */
  readonly inputs: number;
  /** Default 20. */
  readonly trees?: number;
  /** Default 4. */
  readonly depth?: number;
  /** Seed of the deterministic tree generator; different seeds give different models. Default 1. */
  readonly seed?: number;
  /** Range of split thresholds per input; default [0, 1] for every input. */
  readonly ranges?: readonly (readonly [number, number])[];
}

/** A built model: its bytes, digest and a JavaScript evaluation of its score. */
export interface TreeModel {
  readonly bytes: Buffer;
  readonly sha256: string;
  /** The probability of the positive class for one encoded row, as ORT computes it. */
  score(row: ArrayLike<number>): number;
}

interface Node {
  readonly feature: number;
  readonly threshold: number;
  readonly leafValue: number;
  readonly leaf: boolean;
}

/** Builds a binary tree-ensemble classifier over `inputs` float columns. */
export function buildTreeModel(options: TreeModelOptions): TreeModel {
  const treeCount = options.trees ?? 20;
  const depth = options.depth ?? 4;
  const random = mulberry32(options.seed ?? 1);
  const ranges = options.ranges ?? Array.from({ length: options.inputs }, () => [0, 1] as const);
  // Each tree is a complete binary tree in heap order: node i has children 2i+1 and 2i+2.
  const trees: Node[][] = [];
  for (let tree = 0; tree < treeCount; tree += 1) {
    const nodes: Node[] = [];
    const count = 2 ** (depth + 1) - 1;
    for (let id = 0; id < count; id += 1) {
      const leaf = id >= 2 ** depth - 1;
      const feature = Math.floor(random() * options.inputs);
      const [low, high] = ranges[feature];
      // Thresholds are float32 in the model; round here so that JS and ORT compare the same numbers.
      nodes.push({ feature, threshold: Math.fround(low + random() * (high - low)), leafValue: Math.fround((random() - 0.5) * 0.6), leaf });
    }
    trees.push(nodes);
  }
  const bytes = Buffer.from(encodeModel(trees, options.inputs));
  return {
    bytes,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    score(row) {
      let sum = 0;
      for (const nodes of trees) {
        let id = 0;
        while (!nodes[id].leaf) id = Math.fround(row[nodes[id].feature]) <= nodes[id].threshold ? 2 * id + 1 : 2 * id + 2;
        sum += nodes[id].leafValue;
      }
      return 1 / (1 + Math.exp(-sum));
    },
  };
}

function encodeModel(trees: readonly Node[][], inputs: number): Uint8Array {
  const attributes = {
    nodes_treeids: [] as number[],
    nodes_nodeids: [] as number[],
    nodes_featureids: [] as number[],
    nodes_values: [] as number[],
    nodes_modes: [] as Buffer[],
    nodes_truenodeids: [] as number[],
    nodes_falsenodeids: [] as number[],
    class_treeids: [] as number[],
    class_nodeids: [] as number[],
    class_ids: [] as number[],
    class_weights: [] as number[],
  };
  trees.forEach((nodes, tree) => {
    nodes.forEach((node, id) => {
      attributes.nodes_treeids.push(tree);
      attributes.nodes_nodeids.push(id);
      attributes.nodes_featureids.push(node.leaf ? 0 : node.feature);
      attributes.nodes_values.push(node.leaf ? 0 : node.threshold);
      attributes.nodes_modes.push(Buffer.from(node.leaf ? 'LEAF' : 'BRANCH_LEQ'));
      attributes.nodes_truenodeids.push(node.leaf ? 0 : 2 * id + 1);
      attributes.nodes_falsenodeids.push(node.leaf ? 0 : 2 * id + 2);
      if (node.leaf) {
        attributes.class_treeids.push(tree);
        attributes.class_nodeids.push(id);
        attributes.class_ids.push(0); // the sklearn-onnx binary convention: the score sits on class 0
        attributes.class_weights.push(node.leafValue);
      }
    });
  });
  const ints = (name: string, values: number[]) => onnx.AttributeProto.create({ name, type: onnx.AttributeProto.AttributeType.INTS, ints: values });
  const floats = (name: string, values: number[]) => onnx.AttributeProto.create({ name, type: onnx.AttributeProto.AttributeType.FLOATS, floats: values });
  const node = onnx.NodeProto.create({
    opType: 'TreeEnsembleClassifier',
    domain: 'ai.onnx.ml',
    name: 'trees',
    input: [MODEL_INPUT_NAME],
    output: ['label', 'probabilities'],
    attribute: [
      ints('nodes_treeids', attributes.nodes_treeids),
      ints('nodes_nodeids', attributes.nodes_nodeids),
      ints('nodes_featureids', attributes.nodes_featureids),
      floats('nodes_values', attributes.nodes_values),
      onnx.AttributeProto.create({ name: 'nodes_modes', type: onnx.AttributeProto.AttributeType.STRINGS, strings: attributes.nodes_modes }),
      ints('nodes_truenodeids', attributes.nodes_truenodeids),
      ints('nodes_falsenodeids', attributes.nodes_falsenodeids),
      ints('class_treeids', attributes.class_treeids),
      ints('class_nodeids', attributes.class_nodeids),
      ints('class_ids', attributes.class_ids),
      floats('class_weights', attributes.class_weights),
      ints('classlabels_int64s', [0, 1]),
      onnx.AttributeProto.create({ name: 'post_transform', type: onnx.AttributeProto.AttributeType.STRING, s: Buffer.from('LOGISTIC') }),
    ],
  });
  const tensor = (name: string, elemType: number, dims: (number | string)[]) =>
    onnx.ValueInfoProto.create({
      name,
      type: {
        tensorType: {
          elemType,
          shape: { dim: dims.map((dim) => (typeof dim === 'number' ? { dimValue: dim } : { dimParam: dim })) },
        },
      },
    });
  const graph = onnx.GraphProto.create({
    name: 'fixture',
    node: [node],
    input: [tensor(MODEL_INPUT_NAME, onnx.TensorProto.DataType.FLOAT, ['batch', inputs])],
    output: [tensor('label', onnx.TensorProto.DataType.INT64, ['batch']), tensor('probabilities', onnx.TensorProto.DataType.FLOAT, ['batch', 2])],
  });
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'slipway-test-fixture',
    opsetImport: [{ domain: '', version: 15 }, { domain: 'ai.onnx.ml', version: 3 }],
    graph,
  });
  return onnx.ModelProto.encode(model).finish();
}

function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Split ranges for the example fraud model's eight encoded inputs, in card order. */
export const FRAUD_INPUT_RANGES: readonly (readonly [number, number])[] = [
  [0, 2000], // amount
  [0, 23], // transaction_hour
  [-1, 5], // merchant_category index
  [0, 1], // foreign_transaction
  [18, 100], // cardholder_age
  [0, 50], // velocity_last_24h
  [0, 100], // device_trust_score
  [0, 1], // location_mismatch
];

/** A bundle of the example catalog whose artifacts are fixture models written under `artifactRoot`. */
export interface FixtureBundle {
  readonly bundle: RuntimeBundle;
  /** Fixture model per version. */
  readonly models: ReadonlyMap<string, TreeModel>;
}

/**
 * Builds the example's bundle for `environment` with `buildBundle`, writes a fixture model for
 * each of its versions at the version's artifact URI under `artifactRoot`, and points the bundle's
 * sha256 at them. `overrides` can change the bundle afterwards (e.g. the online store).
 */
export async function writeFixtureBundle(
  artifactRoot: string,
  environment = 'staging',
  overrides: (bundle: RuntimeBundle) => RuntimeBundle = (bundle) => bundle,
  options: { trees?: number; depth?: number } = {},
): Promise<FixtureBundle> {
  const catalog = await loadCatalogOrThrow(PROJECT_ROOT);
  const base = buildBundle(catalog, environment, 'fraud-detector');
  const models = new Map<string, TreeModel>();
  const versions = [];
  for (const [index, version] of base.versions.entries()) {
    const model = buildTreeModel({ inputs: version.inputs.length, ranges: FRAUD_INPUT_RANGES, seed: index + 7, trees: options.trees, depth: options.depth });
    models.set(version.version, model);
    await writeArtifact(artifactRoot, version.artifact.uri, model.bytes);
    versions.push({ ...version, artifact: { uri: version.artifact.uri, sha256: model.sha256 } });
  }
  return { bundle: overrides({ ...base, versions }), models };
}

/** Writes `bytes` at `uri` under `root`, creating folders. */
export async function writeArtifact(root: string, uri: string, bytes: Buffer): Promise<string> {
  const file = path.join(root, uri);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, bytes);
  return file;
}

/** Writes a bundle file and returns its path. */
export async function writeBundleFile(file: string, bundle: RuntimeBundle): Promise<string> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, serializeBundle(bundle));
  return file;
}
