/**
 * ONNX Runtime on a thread of its own. `run()` is synchronous native work (../shared/NOTES.md): on
 * the event loop's thread it took a sixth of the runtime's CPU under load, time that thread could
 * not spend on HTTP and Redis. Here the event loop only posts each batch, transferring its buffer
 * (a few µs), and a worker thread runs every session of the runtime, on the machine's other core.
 */
import { Worker } from 'node:worker_threads';
import type { ModelHost, ScoringSession } from './ort-session.js';

/** What the event loop asks of the inference thread. */
export type InferenceCall =
  | { readonly op: 'open'; readonly id: number; readonly bytes: Uint8Array; readonly width: number }
  | { readonly op: 'score'; readonly id: number; readonly session: number; readonly batch: Float32Array; readonly rows: number }
  | { readonly op: 'release'; readonly id: number; readonly session: number };

/** The answer to one call: a session number for `open`, scores for `score`. */
export type InferenceReply =
  | { readonly id: number; readonly ok: true; readonly session?: number; readonly scores?: Float32Array }
  | { readonly id: number; readonly ok: false; readonly error: string };

interface Waiting {
  resolve(reply: InferenceReply & { ok: true }): void;
  reject(error: Error): void;
}

/** The runtime's inference thread; started on the first `open`, ended by `close`. */
export class InferenceThread implements ModelHost {
  private worker: Worker | null = null;
  private failure: Error | null = null;
  private readonly waiting = new Map<number, Waiting>();
  private nextId = 0;

  async open(bytes: Uint8Array, width: number): Promise<ScoringSession> {
    // The bytes are copied, not transferred: a Buffer may be a view into memory shared with others.
    const { session } = await this.call({ op: 'open', id: this.nextId++, bytes, width });
    return {
      score: async (batch, rows) => (await this.call({ op: 'score', id: this.nextId++, session: session!, batch, rows }, [batch.buffer as ArrayBuffer])).scores!,
      release: async () => {
        await this.call({ op: 'release', id: this.nextId++, session: session! });
      },
    };
  }

  /** Ends the thread; calls still waiting fail. */
  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    this.failure = new Error('the inference thread is closed');
    if (worker !== null) await worker.terminate();
    this.failAll(this.failure);
  }

  private call(message: InferenceCall, transfer: ArrayBuffer[] = []): Promise<InferenceReply & { ok: true }> {
    if (this.failure !== null) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.waiting.set(message.id, { resolve, reject });
      this.started().postMessage(message, transfer);
    });
  }

  private started(): Worker {
    if (this.worker !== null) return this.worker;
    const worker = new Worker(new URL('./inference-worker.js', import.meta.url));
    // The thread must not keep a process alive that is otherwise done (a CLI, a test).
    worker.unref();
    worker.on('message', (reply: InferenceReply) => {
      const waiting = this.waiting.get(reply.id);
      if (waiting === undefined) return;
      this.waiting.delete(reply.id);
      if (reply.ok) waiting.resolve(reply);
      else waiting.reject(new Error(reply.error));
    });
    // A thread that dies takes its sessions with it: fail what waits and everything after, loudly.
    worker.on('error', (error) => this.fail(new Error(`the inference thread failed: ${error.message}`)));
    worker.on('exit', (code) => this.fail(new Error(`the inference thread exited with code ${code}`)));
    this.worker = worker;
    return worker;
  }

  private fail(error: Error): void {
    if (this.failure !== null) return;
    this.failure = error;
    this.worker = null;
    this.failAll(error);
  }

  private failAll(error: Error): void {
    for (const waiting of this.waiting.values()) waiting.reject(error);
    this.waiting.clear();
  }
}
