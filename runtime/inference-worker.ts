/**
 * The inference thread's side (see ./inference-thread.ts): holds the sessions and answers calls in
 * the order they arrive, one at a time, as a single ONNX Runtime thread would.
 */
import { parentPort } from 'node:worker_threads';
import type { InferenceCall, InferenceReply } from './inference-thread.js';
import { openSession, type ScoringSession } from './ort-session.js';

const sessions = new Map<number, ScoringSession>();
let nextSession = 0;

async function answer(call: InferenceCall): Promise<{ reply: InferenceReply; transfer: ArrayBuffer[] }> {
  switch (call.op) {
    case 'open': {
      const session = nextSession++;
      sessions.set(session, await openSession(call.bytes, call.width));
      return { reply: { id: call.id, ok: true, session }, transfer: [] };
    }
    case 'score': {
      const scores = await sessionOf(call.session).score(call.batch, call.rows);
      return { reply: { id: call.id, ok: true, scores }, transfer: [scores.buffer as ArrayBuffer] };
    }
    case 'release': {
      const session = sessions.get(call.session);
      sessions.delete(call.session);
      await session?.release();
      return { reply: { id: call.id, ok: true }, transfer: [] };
    }
  }
}

function sessionOf(id: number): ScoringSession {
  const session = sessions.get(id);
  if (session === undefined) throw new Error(`session ${id} is not open (released?)`);
  return session;
}

parentPort!.on('message', (call: InferenceCall) => {
  answer(call).then(
    ({ reply, transfer }) => parentPort!.postMessage(reply, transfer),
    (error: Error) => parentPort!.postMessage({ id: call.id, ok: false, error: error.message } satisfies InferenceReply),
  );
});
