/**
 * The controller's own Prometheus metrics (prom-client), served at `GET /metrics` next to the
 * webhook. Counters only: every controller replica counts what it saw, and Prometheus sums them,
 * so nothing depends on which pod ran a reconcile.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { Counter, Registry } from 'prom-client';
import { AUTO_MERGE_REFUSALS, type AutoMergeRefusal } from './forge/forge.js';

/** Name of the refusal counter; `reason` is one of `AUTO_MERGE_REFUSALS`. */
export const AUTO_MERGE_REFUSALS_METRIC = 'slipway_controller_automerge_refusals_total';

/** What the reconcile counts. */
export interface ControllerMetrics {
  readonly registry: Registry;
  /** One auto-merge the forge refused, by reason. */
  countAutoMergeRefusal(reason: AutoMergeRefusal): void;
}

/** A fresh registry with the controller's metrics, every refusal reason at 0 so rates start at once. */
export function createControllerMetrics(): ControllerMetrics {
  const registry = new Registry();
  const refusals = new Counter({
    name: AUTO_MERGE_REFUSALS_METRIC,
    help: 'Auto-merges of aborts and rollbacks the forge refused, by reason; the PR got one comment saying what a person should do.',
    labelNames: ['reason'],
    registers: [registry],
  });
  for (const reason of AUTO_MERGE_REFUSALS) refusals.inc({ reason }, 0);
  return { registry, countAutoMergeRefusal: (reason) => refusals.inc({ reason }) };
}

/** Serves `GET /metrics` from `registry` and hands every other request to `next`. */
export function withMetricsEndpoint(registry: Registry, next: RequestListener): RequestListener {
  return (request: IncomingMessage, response: ServerResponse) => {
    if (request.method !== 'GET' || (request.url ?? '').split('?')[0] !== '/metrics') return next(request, response);
    registry.metrics().then(
      (text) => response.writeHead(200, { 'content-type': registry.contentType }).end(text),
      (error: unknown) => response.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics: ${(error as Error).message}\n`),
    );
  };
}
