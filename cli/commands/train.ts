/** `slipway train <model>`: one training run; prints the training result's path last. */
import path from 'node:path';
import type { Scalar } from '../../core/catalog.js';
import { loadCatalogOrThrow } from '../../core/load/load-catalog.js';
import { isSemver } from '../../core/units.js';
import { SourceError } from '../../features/source/offline-source.js';
import { trainModel } from '../../training/train-model.js';
import { type Command, oneOf, parseFlags, UsageError, UserError } from '../command.js';

export const command: Command = {
  summary: 'train a model card\'s next version and write its artifact and training result',
  usage: `
usage: slipway train <model> [path] [--data FILE] [--out DIR] [--version V] [--until DATE]
                     [--param NAME=VALUE ...] [--on-bad-row skip|fail]

Builds the training set from the card's inputs (point-in-time joins over the feature views'
sources), holds out the newest part of the card's window, trains gradient-boosted trees and a
logistic baseline, and writes DIR/models/<model>/<version>/model.onnx and training-result.json.
  --data FILE     read every view from FILE instead of their own sources
  --out DIR       where models/ is written (default: the repository root)
  --version V     candidate version (default: the current one with the minor bumped); an existing
                  version of the card is rebuilt with its own inputs
  --until DATE    ignore events after DATE (YYYY-MM-DD, inclusive)
  --param K=V     override a training parameter (trees, depth, learningRate, bins, seed, ...)
  --on-bad-row    skip (default, each reported) or fail on a malformed row`,
  async run(args) {
    const { values, positionals } = parseFlags(args, {
      data: { type: 'string' },
      out: { type: 'string' },
      version: { type: 'string' },
      until: { type: 'string' },
      param: { type: 'string', multiple: true },
      'on-bad-row': { type: 'string' },
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
    if (!catalog.models.has(model)) throw new UserError(`no model card named '${model}' in ${path.join(root, 'catalog/models')} (cards: ${[...catalog.models.keys()].join(', ')})`);
    try {
      const outcome = await trainModel({
        catalog,
        model,
        version: values.version,
        dataFile: values.data === undefined ? undefined : path.resolve(values.data),
        outDir: values.out === undefined ? undefined : path.resolve(values.out),
        untilMs,
        parameters,
        onBadRow,
        log: (line) => process.stderr.write(`${line}\n`),
      });
      const { metrics, durationMs } = outcome.result;
      process.stderr.write(`trained ${model} ${outcome.result.candidateVersion} in ${(durationMs / 1000).toFixed(1)} s: auc ${metrics.auc}, f1 ${metrics.f1}, precision ${metrics.precision}, recall ${metrics.recall}; artifact ${outcome.artifactPath} (sha256 ${outcome.result.artifact.sha256})\n`);
      process.stdout.write(`${outcome.resultPath}\n`);
      return 0;
    } catch (error) {
      if (error instanceof SourceError) throw new UserError(error.message);
      if (error instanceof Error && /^(no rows|the window|training parameter)/.test(error.message)) throw new UserError(error.message);
      throw error;
    }
  },
};
