/**
 * One ONNX Runtime session that scores batches of encoded rows; ORT types stay in this file.
 * Sessions use one intra-op thread and sequential execution, which measured best for small batches
 * here (../shared/NOTES.md). They run on the event loop's thread: a worker thread for ORT was
 * measured (bench/runtime) and lost, because a batch of a few rows costs less than the two thread
 * hand-offs around it.
 */
import ort from 'onnxruntime-node';
import { MODEL_INPUT_NAME } from '../core/model-input-encoding.js';

/** A session that scores rows laid out row-major: the positive-class probability, or the regression value. */
export interface ScoringSession {
  score(batch: Float32Array, rows: number): Promise<Float32Array>;
  release(): Promise<void>;
}

/** Opens a session on a model's bytes; rejects with ONNX Runtime's own message. */
export async function openSession(bytes: Uint8Array, width: number): Promise<ScoringSession> {
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all' });
  const inputName = session.inputNames.includes(MODEL_INPUT_NAME) ? MODEL_INPUT_NAME : session.inputNames[0];
  const outputName = session.outputNames.includes('probabilities') ? 'probabilities' : session.outputNames[session.outputNames.length - 1];
  return {
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
}
