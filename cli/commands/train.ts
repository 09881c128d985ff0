/** `slipway train <model>`: one training run; prints the training result's path last. */
import path from 'node:path';
import type { Scalar } from '../../core/catalog.js';
import { loadCatalogOrThrow } from '../../core/load/load-catalog.js';
import { isSemver } from '../../core/units.js';
import { ArtifactStoreError } from '../../core/artifact-store/artifact-store.js';
import { FileStore } from '../../core/artifact-store/file-store.js';
import { openArtifactStore } from '../../core/artifact-store/open-store.js';
import { SourceError } from '../../features/source/offline-source.js';
import { trainModel } from '../../training/train-model.js';
import { TrainingError } from '../../training/training-error.js';
import { type Command, oneOf, parseFlags, UsageError, UserError } from '../command.js';

export const command: Command = {
  summary: 'train a model card\'s next version and write its artifact and training result',
  usage: `
usage: slipway train <model> [path] [--data FILE] [--out DIR] [--version V] [--until DATE]
                     [--param NAME=VALUE ...] [--on-bad-row skip|fail]

Builds the training set from the card's inputs (point-in-time joins over the feature views'
sources), holds out the newest part of the card's window, trains gradient-boosted trees for the
card's task (a logistic baseline for binary-classification, ridge regression for regression), and publishes <model>/<version>/model.onnx and training-result.json to the
project's artifact store (slipway.yaml spec.artifacts; the models/ directory by default). Objects
are immutable: a version already published with other bytes is refused.
  --data FILE     read every view from FILE instead of their own sources (.jsonl: JSON Lines, .parquet: Parquet, else CSV)
  --out DIR       publish to this directory instead of the project's artifact store
  --version V     candidate version (default: the current one with the minor bumped); an existing
                  version of the card is rebuilt with its own inputs
  --until DATE    ignore events after DATE (YYYY-MM-DD, inclusive)
  --param K=V     override a training parameter (trees, depth, learningRate, bins, seed, ...)
  --trigger ID    train only if the card's training.triggerId is still ID (the rendered Job passes
                  its own): a Job whose trigger was replaced before it ran leaves the work to the new one
  --on-bad-row    skip (default, each reported) or fail on a malformed row`,
  async run(args) {
    const { values, positionals } = parseFlags(args, {
      data: { type: 'string' },
      out: { type: 'string' },
      version: { type: 'string' },
      until: { type: 'string' },
      param: { type: 'string', multiple: true },
      'on-bad-row': { type: 'string' },
      trigger: { type: 'string' },
    });
    const [model, root = '.', ...extra] = positionals;
    if (model === undefined) throw new UsageError('train needs a model name');
    if (extra.length > 0) throw new UsageError(`unexpected argument '${extra[0]}'`);
    if (values.version !== undefined && !isSemver(values.version)) throw new UsageError(`--version must be a semantic version (got '${values.version}')`);
    const onBadRow = oneOf('on-bad-row', values['on-bad-row'], ['skip', 'fail'] as const, 'skip');
    const untilMs = values.until === undefined ? undefined : Date.parse(`${values.until}T23:59:59.999Z`);
    if (untilMs !== undefined && Number.isNaN(untilMs)) throw new UsageError(`--until must be a date YYYY-MM-DD (got '${values.until}')`);
    const parameters: Record<string, Scalar> = {};
    for (const pair of values.param ?? []) {
      const [name, value] = pair.split('=', 2);
      if (!name || value === undefined) throw new UsageError(`--param must be NAME=VALUE (got '${pair}')`);
      parameters[name] = value;
    }
    const catalog = await loadCatalogOrThrow(root);
    const card = catalog.models.get(model);
    if (card === undefined) throw new UserError(`no model card named '${model}' in ${path.join(root, 'catalog/models')} (cards: ${[...catalog.models.keys()].join(', ')})`);
    if (values.trigger !== undefined && values.trigger !== card.training.triggerId) {
      process.stderr.write(`not training ${model}: its training.triggerId is now '${card.training.triggerId}', not '${values.trigger}'; the Job of the new trigger trains it\n`);
      return 0;
    }
    try {
      const outcome = await trainModel({
        catalog,
        model,
        version: values.version,
        dataFile: values.data === undefined ? undefined : path.resolve(values.data),
        store: values.out === undefined ? openArtifactStore(catalog.project.artifacts, catalog.root) : new FileStore(path.resolve(values.out)),
        untilMs,
        parameters,
        onBadRow,
        log: (line) => process.stderr.write(`${line}\n`),
      });
      const { metrics, durationMs } = outcome.result;
      process.stderr.write(`trained ${model} ${outcome.result.candidateVersion} in ${(durationMs / 1000).toFixed(1)} s: ${Object.entries(metrics).map(([name, value]) => `${name} ${value}`).join(', ')}; artifact ${outcome.artifactUrl} (sha256 ${outcome.result.artifact.sha256})\n`);
      process.stdout.write(`${outcome.resultUrl}\n`);
      return 0;
    } catch (error) {
      if (error instanceof SourceError) throw new UserError(error.message);
      if (error instanceof ArtifactStoreError) throw new UserError(`publishing the trained version: ${error.message}`);
      if (error instanceof TrainingError) throw new UserError(error.message);
      throw error;
    }
  },
};
