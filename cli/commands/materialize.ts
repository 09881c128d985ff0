/** `slipway materialize`: online feature views into Redis, in Feast's layout. */
import { loadCatalogOrThrow } from '../../core/load/load-catalog.js';
import { MaterializeError, materialize } from '../../features/materialize/materialize.js';
import { progressBar } from '../../features/materialize/progress.js';
import { SourceError } from '../../features/source/offline-source.js';
import { type Command, oneOf, parseFlags, UsageError, UserError } from '../command.js';

export const command: Command = {
  summary: 'write the latest feature values within TTL into Redis (Feast layout)',
  usage: `
usage: slipway materialize [path] [--env E] [--view V ...] [--redis URL] [--incremental]
                           [--end TIME] [--on-bad-row skip|fail] [--data FILE] [--workers N]

For each online feature view, writes the latest value per entity within the view's TTL into
Redis in Feast's layout, with the TTL as key expiry. A value is only written when its event time
is newer than the stored one, so a rerun changes nothing.
  --env E          use environment E's online store (its redis url)
  --redis URL      Redis to write to (default: the environment's, else redis://127.0.0.1:6379)
  --view V         only this view (repeatable)
  --incremental    start from the watermark the last run recorded
  --end TIME       the run's end, ISO 8601 or 'now' (default: the newest event in the source)
  --on-bad-row     fail (default) or skip malformed rows; each is reported with its line
  --data FILE      read every view from FILE instead of its own source (.jsonl: JSON Lines, .parquet: Parquet, else CSV)`,
  async run(args) {
    const { values, positionals } = parseFlags(args, {
      env: { type: 'string' },
      view: { type: 'string', multiple: true },
      redis: { type: 'string' },
      incremental: { type: 'boolean' },
      end: { type: 'string' },
      'on-bad-row': { type: 'string' },
      data: { type: 'string' },
      workers: { type: 'string' },
    });
    if (positionals.length > 1) throw new UsageError('materialize takes at most one path');
    const onBadRow = oneOf('on-bad-row', values['on-bad-row'], ['skip', 'fail'] as const, 'fail');
    const endMs = values.end === undefined ? undefined : values.end === 'now' ? Date.now() : Date.parse(values.end);
    if (endMs !== undefined && Number.isNaN(endMs)) throw new UsageError(`--end must be an ISO 8601 time or 'now' (got '${values.end}')`);
    const workers = values.workers === undefined ? undefined : Number(values.workers);
    if (workers !== undefined && !(Number.isInteger(workers) && workers > 0)) throw new UsageError(`--workers must be a positive integer (got '${values.workers}')`);
    const catalog = await loadCatalogOrThrow(positionals[0] ?? '.');
    let redisUrl = values.redis;
    if (values.env !== undefined) {
      const env = catalog.environments.get(values.env);
      if (env === undefined) throw new UserError(`no environment named '${values.env}' (environments: ${[...catalog.environments.keys()].join(', ')})`);
      redisUrl ??= env.onlineStore?.redis.url;
    }
    redisUrl ??= 'redis://127.0.0.1:6379';
    const bar = progressBar(process.stderr);
    try {
      const summary = await materialize({
        catalog,
        redisUrl,
        views: values.view,
        incremental: values.incremental ?? false,
        endMs,
        onBadRow,
        workers,
        dataFile: values.data,
        onProgress: bar.update,
        onBadRowSkipped: (_file, _line, problem, where) => {
          if (onBadRow === 'skip') process.stderr.write(`\nskipped ${where}: ${problem}\n`);
        },
      });
      bar.done();
      const seconds = summary.elapsedMs / 1000;
      for (const view of summary.views) {
        process.stdout.write(`${view.view}: ${view.written} written, ${view.notNewer} not newer, ${view.outside} outside ${new Date(view.fromMs).toISOString()}..${new Date(view.endMs).toISOString()}\n`);
      }
      process.stderr.write(`materialized ${summary.views.length} view(s) into ${redisUrl}: ${summary.rows} rows read (${summary.badRows} bad) in ${seconds.toFixed(1)} s, ${Math.round(summary.rows / Math.max(seconds, 0.001))} rows/s\n`);
      return 0;
    } catch (error) {
      bar.done();
      if (error instanceof MaterializeError || error instanceof SourceError) throw new UserError(error.message);
      throw error;
    }
  },
};
