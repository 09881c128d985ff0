/**
 * Loads one ONNX artifact into ONNX Runtime, after checking its sha256 against the bundle: what was
 * reviewed is what is served. ORT types stay in this file. Sessions use one intra-op thread and
 * sequential execution, which measured best for small batches here (../shared/NOTES.md).
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ort from 'onnxruntime-node';
import { MODEL_INPUT_NAME } from '../core/model-input-encoding.js';

/** A model that scores batches of encoded rows. */
export interface LoadedModel {
  readonly sha256: string;
  /** Number of columns of a row. */
  readonly width: number;
  /** Scores `rows` rows laid out row-major in `batch`: the positive-class probability, or the regression value. */
  score(batch: Float32Array, rows: number): Promise<Float32Array>;
  release(): Promise<void>;
}

/** An artifact that cannot be served: missing, altered or not a usable model. Not retried. */
export class ArtifactError extends Error {
  override readonly name = 'ArtifactError';
}

/** Resolves an artifact URI: relative paths against `artifactRoot`, `file://` URLs, absolute paths. */
export function resolveArtifactPath(uri: string, artifactRoot: string): string {
  if (uri.startsWith('file://')) return fileURLToPath(uri);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(uri)) {
    throw new ArtifactError(`artifact ${uri}: only local paths and file:// URIs can be loaded (mount the artifact into the pod)`);
  }
  return path.resolve(artifactRoot, uri);
}

/** Reads, verifies and loads an artifact; throws `ArtifactError` naming the file and the problem. */
export async function loadModel(file: string, expectedSha256: string, width: number): Promise<LoadedModel> {
  const bytes = await readFile(file).catch((error: NodeJS.ErrnoException) => {
    throw new ArtifactError(`artifact ${file}: cannot be read (${error.code ?? error.message})`);
  });
  const actual = createHash('sha256').update(bytes).digest('hex');
  if (actual !== expectedSha256) {
    throw new ArtifactError(`artifact ${file}: sha256 is ${actual}, the bundle expects ${expectedSha256}; refusing to load it`);
  }
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all' });
  } catch (error) {
    throw new ArtifactError(`artifact ${file}: ONNX Runtime cannot load it (${(error as Error).message})`);
  }
  const inputName = session.inputNames.includes(MODEL_INPUT_NAME) ? MODEL_INPUT_NAME : session.inputNames[0];
  const outputName = session.outputNames.includes('probabilities') ? 'probabilities' : session.outputNames[session.outputNames.length - 1];
  const model: LoadedModel = {
    sha256: actual,
    width,
    async score(batch, rows) {
      const outputs = await session.run({ [inputName]: new ort.Tensor('float32', batch, [rows, width]) }, [outputName]);
      const output = outputs[outputName];
      const columns = output.dims.length > 1 ? Number(output.dims[1]) : 1;
      const data = output.data as Float32Array;
      // A binary classifier's second column is the positive class; a regressor has one column.
      const column = columns >= 2 ? 1 : 0;
      const scores = new Float32Array(rows);
      for (let row = 0; row < rows; row += 1) scores[row] = Number(data[row * columns + column]);
      return scores;
    },
    release: () => session.release(),
  };
  // One warm-up row proves the input width before the version may serve, and pays ORT's first-run cost.
  try {
    const scores = await model.score(new Float32Array(width), 1);
    if (!Number.isFinite(scores[0])) throw new Error(`the warm-up score is ${scores[0]}`);
  } catch (error) {
    await session.release().catch(() => undefined);
    throw new ArtifactError(`artifact ${file}: does not score a row of ${width} inputs (${(error as Error).message})`);
  }
  return model;
}
