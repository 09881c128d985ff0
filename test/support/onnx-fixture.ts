/**
 * Small ONNX models for runtime tests: deterministic random trees, exported with the trainer's own
 * exporter (`training/onnx-export.ts`) and evaluated with its own `rawScore`, so that tests can
 * check the runtime's answers without training. Also writes a bundle of the example catalog whose
 * artifacts are such models.
 */
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import onnxProto from 'onnx-proto';
import { buildBundle, type RuntimeBundle, serializeBundle } from '../../core/bundle.js';
import { loadCatalogOrThrow } from '../../core/load/load-catalog.js';
import { Rng } from '../../features/rng.js';
import { type GbdtModel, rawScore, type Tree } from '../../training/gbdt.js';
import { exportOnnx } from '../../training/onnx-export.js';
import { PROJECT_ROOT } from './example-repo.js';

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

/** Builds a binary tree-ensemble classifier over `inputs` float columns. */
export function buildTreeModel(options: TreeModelOptions): TreeModel {
  const random = new Rng(options.seed ?? 1);
  const ranges = options.ranges ?? Array.from({ length: options.inputs }, () => [0, 1] as const);
  const trees = Array.from({ length: options.trees ?? 20 }, () => randomTree(random, options.depth ?? 4, options.inputs, ranges));
  const model: GbdtModel = { base: 0, trees, features: options.inputs };
  const inputNames = Array.from({ length: options.inputs }, (_, index) => `input_${index}`);
  const bytes = Buffer.from(exportOnnx(model, inputNames));
  return {
    bytes,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    // ORT compares float32 inputs with float32 thresholds: round the row the same way.
    score: (row) => 1 / (1 + Math.exp(-rawScore(model, Float32Array.from(row)))),
  };
}

// A complete binary tree in heap order (node i has children 2i+1 and 2i+2), leaves at `depth`.
function randomTree(random: Rng, depth: number, inputs: number, ranges: readonly (readonly [number, number])[]): Tree {
  const tree = { feature: [] as number[], threshold: [] as number[], left: [] as number[], right: [] as number[], value: [] as number[] };
  const count = 2 ** (depth + 1) - 1;
  for (let id = 0; id < count; id += 1) {
    const leaf = id >= 2 ** depth - 1;
    const feature = random.int(inputs);
    const [low, high] = ranges[feature];
    // Thresholds and leaf values are float32 in the model; round here so JS and ORT agree.
    const threshold = Math.fround(low + random.next() * (high - low));
    const value = Math.fround((random.next() - 0.5) * 0.6);
    tree.feature.push(leaf ? -1 : feature);
    tree.threshold.push(leaf ? 0 : threshold);
    tree.left.push(leaf ? -1 : 2 * id + 1);
    tree.right.push(leaf ? -1 : 2 * id + 2);
    tree.value.push(leaf ? value : 0);
  }
  return tree;
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
 * store and sha256 at them. `overrides` can change the bundle afterwards (e.g. the online store).
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
  // The fixture's artifacts are their own store: a directory, as a file:// URL the bundle carries.
  return { bundle: overrides({ ...base, artifactStore: { url: pathToFileURL(artifactRoot).href }, versions }), models };
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

/**
 * A model that scores a row of zeros (so it passes the warm-up and serves) but fails in ONNX
 * Runtime for any row whose first input is 2 or more: it looks its answer up in a two-row table
 * by that input, and ORT refuses an index outside the table.
 */
export function buildFailingModel(inputs: number): TreeModel {
  const { onnx } = onnxProto;
  const FLOAT = onnx.TensorProto.DataType.FLOAT;
  const INT64 = onnx.TensorProto.DataType.INT64;
  const constant = (name: string, tensor: object) => ({ opType: 'Constant', output: [name], attribute: [{ name: 'value', type: onnx.AttributeProto.AttributeType.TENSOR, t: tensor }] });
  const proto = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'slipway-tests',
    opsetImport: [{ domain: '', version: 17 }],
    graph: {
      name: 'fails-on-large-first-input',
      node: [
        constant('column', { dataType: INT64, dims: [], int64Data: [0] }),
        constant('table', { dataType: FLOAT, dims: [2, 2], floatData: [0.9, 0.1, 0.8, 0.2] }),
        { opType: 'Gather', input: ['input', 'column'], output: ['first'], attribute: [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: 1 }] },
        { opType: 'Cast', input: ['first'], output: ['row'], attribute: [{ name: 'to', type: onnx.AttributeProto.AttributeType.INT, i: INT64 }] },
        { opType: 'Gather', input: ['table', 'row'], output: ['probabilities'], attribute: [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: 0 }] },
      ],
      input: [{ name: 'input', type: { tensorType: { elemType: FLOAT, shape: { dim: [{ dimParam: 'N' }, { dimValue: inputs }] } } } }],
      output: [{ name: 'probabilities', type: { tensorType: { elemType: FLOAT, shape: { dim: [{ dimParam: 'N' }, { dimValue: 2 }] } } } }],
    },
  });
  const bytes = Buffer.from(onnx.ModelProto.encode(proto).finish());
  return { bytes, sha256: createHash('sha256').update(bytes).digest('hex'), score: (row) => (row[0] < 1 ? 0.1 : 0.2) };
}
