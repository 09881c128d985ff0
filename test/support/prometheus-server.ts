/** A private, throwaway `prometheus` on a loopback port, scraping the targets a test names. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from './free-port.js';
import { requireBinary, spawnServer, stopServer, waitForPort } from './processes.js';

/** A running Prometheus. */
export interface TestPrometheus {
  readonly port: number;
  readonly url: string;
  /** Resolves once every target has been scraped successfully at least once. */
  waitForTargetsUp(timeoutMs?: number): Promise<void>;
  /** Runs an instant PromQL query and returns the result vector. */
  query(promql: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]>;
  stop(): Promise<void>;
}

/**
 * Starts Prometheus scraping `targets` (`host:port`) every `scrapeInterval`; `targetLabels` are
 * added to every series, as a ServiceMonitor adds `namespace`.
 */
export async function startPrometheus(
  targets: readonly string[],
  scrapeInterval = '1s',
  ruleFiles: readonly string[] = [],
  targetLabels: Readonly<Record<string, string>> = {},
): Promise<TestPrometheus> {
  requireBinary('prometheus', 'prometheus');
  const port = await freePort();
  const dir = await mkdtemp(path.join(tmpdir(), 'slipway-prometheus-'));
  const config = [
    'global:',
    `  scrape_interval: ${scrapeInterval}`,
    `  evaluation_interval: ${scrapeInterval}`,
    ...(ruleFiles.length > 0 ? ['rule_files:', ...ruleFiles.map((file) => `  - ${JSON.stringify(file)}`)] : []),
    'scrape_configs:',
    '  - job_name: slipway',
    '    static_configs:',
    `      - targets: [${targets.map((target) => JSON.stringify(target)).join(', ')}]`,
    ...(Object.keys(targetLabels).length > 0 ? [`        labels: ${JSON.stringify(targetLabels)}`] : []),
    '',
  ].join('\n');
  await writeFile(path.join(dir, 'prometheus.yml'), config);
  const child = spawnServer('prometheus', [
    `--config.file=${path.join(dir, 'prometheus.yml')}`,
    `--storage.tsdb.path=${path.join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--log.level=warn',
  ]);
  await waitForPort(port, child, 20_000);
  const url = `http://127.0.0.1:${port}`;
  await waitForReady(url, 30_000);
  const query = async (promql: string) => {
    const response = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(promql)}`);
    const body = (await response.json()) as { status: string; data?: { result: { metric: Record<string, string>; value: [number, string] }[] }; error?: string };
    if (body.status !== 'success') throw new Error(`query ${promql} failed: ${body.error}`);
    return body.data!.result;
  };
  return {
    port,
    url,
    query,
    async waitForTargetsUp(timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const up = await query('up');
        if (up.length === targets.length && up.every((sample) => sample.value[1] === '1')) return;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      throw new Error(`prometheus targets ${targets.join(', ')} not up within ${timeoutMs} ms`);
    },
    async stop() {
      await stopServer(child);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

// Prometheus listens before it can answer queries (it answers 503 while the TSDB opens).
async function waitForReady(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ready = await fetch(`${url}/-/ready`).then((response) => response.ok, () => false);
    if (ready) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`prometheus at ${url} not ready within ${timeoutMs} ms`);
}
