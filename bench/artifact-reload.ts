/**
 * From a bundle change to the new version serving: the runtime reads the changed bundle, fetches
 * the canary's artifact, verifies and loads it, and swaps. Measured with the artifact in the
 * S3-compatible store against the same artifact in a local directory (the baseline), in
 * interleaved rounds, with no cache, so every round fetches.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildBundle, type RuntimeBundle, serializeBundle } from '../core/bundle.js';
import { loadCatalogOrThrow } from '../core/load/load-catalog.js';
import { startRuntime } from '../runtime/runtime.js';
import { PROJECT_ROOT } from '../test/support/example-repo.js';
import { startS3 } from '../test/support/s3-server.js';
import { median } from './median.js';

const ROUNDS = 15;
const catalog = await loadCatalogOrThrow(PROJECT_ROOT);
const withCanary = buildBundle(catalog, 'staging', 'fraud-detector');
const stableOnly: RuntimeBundle = { ...withCanary, versions: withCanary.versions.filter((version) => version.role === 'stable') };
const canary = withCanary.versions.find((version) => version.role === 'canary')!;
const artifactBytes = await readFile(path.join(PROJECT_ROOT, 'models', canary.artifact.uri));

const s3 = await startS3();
Object.assign(process.env, s3.env);
const work = await mkdtemp(path.join(tmpdir(), 'slipway-bench-reload-'));
try {
  for (const version of withCanary.versions) {
    await s3.putRaw(`models/${version.artifact.uri}`, await readFile(path.join(PROJECT_ROOT, 'models', version.artifact.uri)));
  }
  const stores = {
    'local directory (baseline)': { url: pathToFileURL(path.join(PROJECT_ROOT, 'models')).href },
    's3 (s3rver on loopback)': { url: `s3://${s3.bucket}/models`, endpoint: s3.endpoint },
  } as const;
  const timings = new Map<string, number[]>(Object.keys(stores).map((name) => [name, []]));
  const runtimes = new Map<string, { file: string; runtime: Awaited<ReturnType<typeof startRuntime>> }>();
  for (const [name, store] of Object.entries(stores)) {
    const file = path.join(work, `${runtimes.size}.json`);
    await writeFile(file, serializeBundle({ ...stableOnly, artifactStore: store }));
    const runtime = await startRuntime({ bundleFile: file, port: 0, host: '127.0.0.1', onlineStore: null, log: () => undefined, audit: () => undefined, watchIntervalMs: 3_600_000, releaseGraceMs: 0 });
    runtimes.set(name, { file, runtime });
  }
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, { file, runtime }] of runtimes) {
      const store = stores[name as keyof typeof stores];
      await writeFile(file, serializeBundle({ ...withCanary, artifactStore: store }));
      const started = performance.now();
      await runtime.reload();
      if (runtime.registry.current?.versions.has(canary.version) !== true) throw new Error(`${name}: the canary did not serve`);
      timings.get(name)!.push(performance.now() - started);
      // Back to stable only, so that the next round fetches the canary again.
      await writeFile(file, serializeBundle({ ...stableOnly, artifactStore: store }));
      await runtime.reload();
    }
  }
  for (const { runtime } of runtimes.values()) await runtime.stop();

  const baseline = median(timings.get('local directory (baseline)')!);
  console.log(`bundle change → ${canary.version} serving as the canary (${(artifactBytes.length / 1024).toFixed(0)} KiB artifact, sha256 verified, ORT session and warm-up), median of ${ROUNDS} interleaved rounds:`);
  console.log(`${'artifact store'.padEnd(30)} ${'median ms'.padStart(10)} ${'p90 ms'.padStart(8)} ${'vs baseline'.padStart(12)}`);
  for (const [name, values] of timings) {
    const sorted = [...values].sort((a, b) => a - b);
    const p90 = sorted[Math.floor(sorted.length * 0.9)];
    console.log(`${name.padEnd(30)} ${median(values).toFixed(1).padStart(10)} ${p90.toFixed(1).padStart(8)} ${`${(median(values) / baseline).toFixed(2)}x`.padStart(12)}`);
  }
  console.log('fetching happens at load only: requests never wait for the store (bench/runtime measures the request path).');
} finally {
  await s3.stop();
  await rm(work, { recursive: true, force: true });
}
