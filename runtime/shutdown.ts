/**
 * Graceful shutdown: readiness goes false first (so the Service stops sending traffic), and the
 * server keeps answering old and new requests for the drain delay, because Kubernetes removes a
 * terminating pod from its endpoints asynchronously and balancers keep sending to it for a while.
 * Every answer from then on carries `Connection: close`, so keep-alive clients reconnect, through
 * the balancer, to a pod that stays. Then the listener closes, requests in flight finish, and
 * Redis and the models close. A drain that takes longer than its timeout cuts the remaining
 * connections rather than hanging the pod's termination.
 */
import type { RuntimeHttpServer } from './http-server.js';

/** Shutdown settings. */
export interface ShutdownOptions {
  /** Time to keep serving after readiness turned false, for endpoints and balancers to update; default 0. */
  readonly drainDelayMs?: number;
  /** Longest wait for requests in flight; default 10 s. */
  readonly drainTimeoutMs?: number;
}

/** Stops `http` gracefully; `markNotReady` runs first and `closeRest` last. */
export async function shutDown(
  http: RuntimeHttpServer,
  markNotReady: () => void,
  closeRest: () => Promise<void>,
  options: ShutdownOptions = {},
): Promise<void> {
  markNotReady();
  http.startDraining();
  if ((options.drainDelayMs ?? 0) > 0) await sleep(options.drainDelayMs!);
  const closed = new Promise<void>((resolve) => http.server.close(() => resolve()));
  http.server.closeIdleConnections();
  const deadline = Date.now() + (options.drainTimeoutMs ?? 10_000);
  while (http.inFlight() > 0 && Date.now() < deadline) await sleep(10);
  // Keep-alive connections with nothing in flight would hold `close()` open until they time out.
  http.server.closeAllConnections();
  await closed;
  await closeRest();
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
