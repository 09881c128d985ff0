/**
 * `slipway publish`: an artifact trained anywhere else enters the loop with one command. It is
 * checked by ONNX Runtime, profiled on a data sample, and written with its training result to the
 * project's artifact store, where the controller finds it and proposes the new version.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ArtifactStoreError } from '../../core/artifact-store/artifact-store.js';
import { FileStore } from '../../core/artifact-store/file-store.js';
import { openArtifactStore } from '../../core/artifact-store/open-store.js';
import { loadCatalogOrThrow } from '../../core/load/load-catalog.js';
import { isSemver } from '../../core/units.js';
import { SourceError } from '../../features/source/offline-source.js';
import { openSession } from '../../runtime/ort-session.js';
import { describeExternalArtifact } from '../../training/external-result.js';
import { publishVersion } from '../../training/publish.js';
import { type Command, parseFlags, UsageError, UserError } from '../command.js';

export const command: Command = {
  summary: 'publish an artifact trained elsewhere, with its metrics and a reference profile, to the artifact store',
  usage: `
usage: slipway publish <artifact.onnx> --model M --version V --metrics FILE --data SAMPLE [path] [--out DIR] [--commit SHA]

Checks that ONNX Runtime loads the artifact and scores the card's inputs, computes the reference
profile (per-input distributions and the score's) from SAMPLE (CSV or JSON Lines with the card's
feature columns and label), and publishes <model>/<version>/model.onnx and training-result.json to
the project's artifact store. The controller then proposes the version like one Slipway trained.
  --metrics FILE  JSON object of holdout metrics, e.g. {"auc": 0.95, "f1": 0.9}
  --data SAMPLE   a sample of the training data (a few thousand rows is enough)
  --out DIR       publish to this directory instead of the project's artifact store
  --commit SHA    the commit of the training code (default: SLIPWAY_COMMIT, else 'unknown')`,
  async run(args) {
    const { values, positionals } = parseFlags(args, {
      model: { type: 'string' },
      version: { type: 'string' },
      metrics: { type: 'string' },
      data: { type: 'string' },
      out: { type: 'string' },
      commit: { type: 'string' },
    });
    const [artifact, root = '.', ...extra] = positionals;
    if (artifact === undefined) throw new UsageError('publish needs the artifact file');
    if (extra.length > 0) throw new UsageError(`unexpected argument '${extra[0]}'`);
    for (const flag of ['model', 'version', 'metrics', 'data'] as const) if (values[flag] === undefined) throw new UsageError(`publish needs --${flag}`);
    if (!isSemver(values.version!)) throw new UsageError(`--version must be a semantic version (got '${values.version}')`);
    const catalog = await loadCatalogOrThrow(root);
    const card = catalog.models.get(values.model!);
    if (card === undefined) throw new UserError(`no model card named '${values.model}' (cards: ${[...catalog.models.keys()].join(', ')})`);
    if (card.versions.has(values.version!)) throw new UserError(`${values.model} ${values.version} is already in the card; publish a new version`);
    const bytes = await readFile(artifact).catch((error: NodeJS.ErrnoException) => {
      throw new UserError(`${artifact}: cannot be read (${error.code ?? error.message})`);
    });
    const metrics = await readMetrics(values.metrics!);
    const session = await openSession(bytes, card.current.inputs.length).catch((error: Error) => {
      throw new UserError(`${artifact}: ONNX Runtime cannot load it (${error.message})`);
    });
    try {
      const result = await describeExternalArtifact({
        catalog,
        model: values.model!,
        version: values.version!,
        bytes,
        metrics,
        sampleFile: path.resolve(values.data!),
        score: (batch, rows) => session.score(batch, rows),
        commit: values.commit ?? process.env.SLIPWAY_COMMIT ?? 'unknown',
      });
      const store = values.out === undefined ? openArtifactStore(catalog.project.artifacts, catalog.root) : new FileStore(path.resolve(values.out));
      const published = await publishVersion(store, result, bytes);
      process.stderr.write(`published ${values.model} ${values.version} (sha256 ${result.artifact.sha256}, profile of ${result.referenceProfile.rows} sample rows) to ${published.artifactUrl}\n`);
      process.stdout.write(`${published.resultUrl}\n`);
      return 0;
    } catch (error) {
      if (error instanceof SourceError || error instanceof ArtifactStoreError) throw new UserError(error.message);
      if (error instanceof Error && /the data sample|does not score|input/.test(error.message)) throw new UserError(error.message);
      throw error;
    } finally {
      await session.release();
    }
  },
};

async function readMetrics(file: string): Promise<Record<string, number>> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new UserError(`--metrics ${file}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : `not JSON (${(error as Error).message})`}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new UserError(`--metrics ${file}: must be a JSON object of metric names to numbers`);
  for (const [name, value] of Object.entries(parsed)) {
    if (typeof value !== 'number' || !Number.isFinite(value)) throw new UserError(`--metrics ${file}: ${name} must be a finite number (got ${JSON.stringify(value)})`);
  }
  return parsed as Record<string, number>;
}
