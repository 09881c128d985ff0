/**
 * What a slow or careless client may hold: the time its headers and its whole request may take,
 * the rate its body must arrive at, how long an idle keep-alive connection stays open, and how
 * many connections one pod keeps. Node's own defaults (60 s for headers, 300 s per request checked
 * every 30 s, no body rate, no cap) let a few hundred slow sockets hold a pod for minutes.
 */
import type { Server } from 'node:http';

/** The limits, each with the default a production pod runs with. */
export interface ConnectionLimits {
  /** Time to receive the request line and headers; answered 408. Default 10 s. */
  readonly headersTimeoutMs: number;
  /** Time for the whole request, body included; answered 408. Default 30 s. */
  readonly requestTimeoutMs: number;
  /** The body must average at least this many bytes per second after `bodyGraceMs`; answered 408. Default 1,024. */
  readonly minBodyBytesPerSecond: number;
  /** How long a body may take before its rate is judged. Default 2 s. */
  readonly bodyGraceMs: number;
  /** An idle keep-alive connection closes after this; above load balancers' 60 s. Default 65 s. */
  readonly idleTimeoutMs: number;
  /** Open connections per pod; more are closed as they arrive. Default 2,048. */
  readonly maxConnections: number;
}

/** The defaults (also the README's numbers). */
export const DEFAULT_CONNECTION_LIMITS: ConnectionLimits = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  minBodyBytesPerSecond: 1_024,
  bodyGraceMs: 2_000,
  idleTimeoutMs: 65_000,
  maxConnections: 2_048,
};

/** Applies the limits Node enforces itself; the body rate is checked while reading (`watchBodyRate`). */
export function applyConnectionLimits(server: Server, limits: ConnectionLimits): void {
  server.headersTimeout = limits.headersTimeoutMs;
  server.requestTimeout = limits.requestTimeoutMs;
  server.keepAliveTimeout = limits.idleTimeoutMs;
  server.maxConnections = limits.maxConnections;
}

/** How often Node checks the header and request deadlines; its default, 30 s, would let them slip. */
export const CONNECTIONS_CHECKING_INTERVAL_MS = 1_000;

/**
 * Calls `tooSlow` once a body that is still arriving has averaged less than the minimum rate
 * since `bodyGraceMs`; returns the function that stops watching. One timer per slow body only:
 * a body that ends within the grace period never schedules a second check.
 */
export function watchBodyRate(received: () => number, limits: ConnectionLimits, tooSlow: () => void): () => void {
  const started = performance.now();
  let timer: NodeJS.Timeout;
  const check = () => {
    const seconds = (performance.now() - started) / 1000;
    if (received() < limits.minBodyBytesPerSecond * seconds) return tooSlow();
    timer = setTimeout(check, 1_000);
  };
  timer = setTimeout(check, limits.bodyGraceMs);
  return () => clearTimeout(timer);
}
