/**
 * A runtime pod's drift metrics without the model: the real `createMetrics` and `DriftCounters`
 * behind a `/metrics` endpoint, so that a test can run a fleet of them cheaply, give each the
 * traffic it wants and restart one (a new process: new counters, a new `boot`) on the same port.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ReferenceProfile, Scalar } from '../../core/catalog.js';
import { DriftCounters } from '../../runtime/drift-counters.js';
import { createMetrics, type RuntimeMetrics } from '../../runtime/metrics.js';

/** One exporter, as Prometheus scrapes it. */
export interface DriftExporter {
  /** `127.0.0.1:<port>`, a scrape target. */
  readonly target: string;
  /** Counts one prediction, as `ServedVersion.predict` does. */
  observe(values: readonly Scalar[], score: number): void;
  /** Stops and starts again on the same port with fresh counters, as a restarted pod does. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** What every exporter of a fleet serves. */
export interface ExportedVersion {
  readonly model: string;
  readonly version: string;
  readonly inputRefs: readonly string[];
  readonly profile: ReferenceProfile;
}

/** Starts an exporter of `served` on `port` (0: any free port). */
export async function startDriftExporter(served: ExportedVersion, port = 0): Promise<DriftExporter> {
  let process = await listen(served, port);
  const target = `127.0.0.1:${(process.server.address() as AddressInfo).port}`;
  return {
    target,
    observe: (values, score) => process.counters.observe(values, score),
    async restart() {
      const { port: same } = process.server.address() as AddressInfo;
      await close(process.server);
      process = await listen(served, same);
    },
    stop: () => close(process.server),
  };
}

interface ExporterProcess {
  readonly server: Server;
  readonly metrics: RuntimeMetrics;
  readonly counters: DriftCounters;
}

async function listen(served: ExportedVersion, port: number): Promise<ExporterProcess> {
  const metrics = createMetrics();
  const counters = new DriftCounters(served.model, served.version, served.inputRefs, served.profile, metrics);
  const server = createServer((_request, response) => {
    void metrics.registry.metrics().then((text) => {
      response.writeHead(200, { 'content-type': metrics.registry.contentType });
      response.end(text);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return { server, metrics, counters };
}

async function close(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
}
