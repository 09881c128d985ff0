/** `slipway data generate`: writes the example transactions the feature views point at. */
import path from 'node:path';
import { type DriftKind, writeTransactionsCsv } from '../../features/generate.js';
import { type Command, oneOf, parseFlags, UsageError } from '../command.js';

const DRIFTS = ['none', 'sudden', 'gradual', 'seasonal'] as const satisfies readonly DriftKind[];

export const command: Command = {
  summary: 'generate the example credit-card transactions (seeded, with optional drift)',
  usage: `
usage: slipway data generate [--rows N] [--drift sudden|gradual|seasonal] [--seed S] [--out DIR]

Writes DIR/transactions.csv (default DIR: data), the offline source of the example feature views:
transaction_id, user_id, event_time, amount, transaction_hour, merchant_category,
foreign_transaction, location_mismatch, device_trust_score, velocity_last_24h, cardholder_age,
is_fraud. The same options always give the same bytes.
  --rows N       number of transactions (default 100000)
  --drift KIND   none (default), sudden (a shift at 70 % of the span), gradual, seasonal
  --seed S       seed of the random stream (default 1)
  --start DATE   first event date, YYYY-MM-DD (default 2024-07-01); --days D span (default 180)`,
  async run(args) {
    const [action, ...rest] = args;
    if (action !== 'generate') throw new UsageError(action === undefined ? 'data needs an action: generate' : `unknown data action '${action}'`);
    const { values, positionals } = parseFlags(
      rest,
      { rows: { type: 'string' }, drift: { type: 'string' }, seed: { type: 'string' }, out: { type: 'string' }, start: { type: 'string' }, days: { type: 'string' } },
      false,
    );
    if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
    const rows = positiveInteger('rows', values.rows, 100_000);
    const seed = positiveInteger('seed', values.seed, 1);
    const days = positiveInteger('days', values.days, 180);
    const startMs = values.start === undefined ? undefined : Date.parse(`${values.start}T00:00:00Z`);
    if (startMs !== undefined && Number.isNaN(startMs)) throw new UsageError(`--start must be a date YYYY-MM-DD (got '${values.start}')`);
    const drift = oneOf('drift', values.drift, DRIFTS, 'none');
    const file = path.join(values.out ?? 'data', 'transactions.csv');
    const started = performance.now();
    const result = await writeTransactionsCsv(file, { rows, seed, drift, startMs, days });
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    process.stderr.write(`generated ${result.rows} transactions (${result.frauds} fraud, ${((100 * result.frauds) / result.rows).toFixed(2)} %, drift ${drift}, seed ${seed}) in ${seconds} s\n`);
    process.stdout.write(`${file}\n`);
    return 0;
  },
};

function positiveInteger(flag: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 0) throw new UsageError(`--${flag} must be a non-negative integer (got '${raw}')`);
  return value;
}
