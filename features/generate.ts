/**
 * The example data: seeded synthetic credit-card transactions (seed 003, `credit_card_fraud`) with
 * a 1-3 % fraud rate, real but imperfect signal, and knobs that inject drift (seed 001, 4.1).
 * Same options, byte-identical file.
 */
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { once } from 'node:events';
import type { Scalar } from '../core/catalog.js';
import { Rng } from './rng.js';

/** How the data changes over time. */
export type DriftKind = 'none' | 'sudden' | 'gradual' | 'seasonal';

/** Options of one generated data set. */
export interface GenerateOptions {
  /** Number of transactions. Default 100,000. */
  readonly rows?: number;
  /** Seed of the random stream. Default 1. */
  readonly seed?: number;
  /** Drift to inject. Default `none`. */
  readonly drift?: DriftKind;
  /** First event time (epoch ms). Default 2024-07-01T00:00:00Z. */
  readonly startMs?: number;
  /** Days the events span. Default 180. */
  readonly days?: number;
  /** Where in the span (0-1) a sudden shift happens. Default 0.7. */
  readonly shiftAt?: number;
}

/** The columns, in file order. */
/** How each feature of the example catalog is read off a generated transaction (as the trainer joins them). */
export const TRANSACTION_FEATURES: Readonly<Record<string, (t: Transaction) => Scalar>> = {
  amount: (t) => t.amount,
  transaction_hour: (t) => t.hour,
  merchant_category: (t) => t.merchant,
  foreign_transaction: (t) => t.foreign,
  cardholder_age: (t) => t.age,
  velocity_last_24h: (t) => t.velocity,
  device_trust_score: (t) => t.deviceTrust,
  location_mismatch: (t) => t.locationMismatch,
};

export const TRANSACTION_COLUMNS = [
  'transaction_id',
  'user_id',
  'event_time',
  'amount',
  'transaction_hour',
  'merchant_category',
  'foreign_transaction',
  'location_mismatch',
  'device_trust_score',
  'velocity_last_24h',
  'cardholder_age',
  'is_fraud',
] as const;

/** The merchant categories, as the transaction-features view allows them. */
export const MERCHANT_CATEGORIES = ['Electronics', 'Travel', 'Grocery', 'Restaurants', 'Fashion', 'Other'] as const;

const LEGIT_MERCHANTS = [0.12, 0.06, 0.34, 0.22, 0.14, 0.12];
const FRAUD_MERCHANTS = [0.38, 0.24, 0.06, 0.08, 0.14, 0.1];
const DAY_MS = 86_400_000;

interface User {
  readonly id: string;
  readonly age: number;
  readonly trust: number;
  readonly activity: number;
  readonly traveller: boolean;
}

/** One generated transaction, typed. */
export interface Transaction {
  readonly transactionId: string;
  readonly userId: string;
  readonly eventMs: number;
  readonly amount: number;
  readonly hour: number;
  readonly merchant: string;
  readonly foreign: boolean;
  readonly locationMismatch: boolean;
  readonly deviceTrust: number;
  readonly velocity: number;
  readonly age: number;
  readonly fraud: boolean;
}

/** Yields the transactions of `options` in event-time order. */
export function* generateTransactions(options: GenerateOptions = {}): Generator<Transaction> {
  const rows = options.rows ?? 100_000;
  const rng = new Rng(options.seed ?? 1);
  const drift = options.drift ?? 'none';
  const startMs = options.startMs ?? Date.UTC(2024, 6, 1);
  const spanMs = (options.days ?? 180) * DAY_MS;
  const shiftAt = options.shiftAt ?? 0.7;
  const users = makeUsers(rng, Math.max(200, Math.round(rows / 25)));
  const stepMs = spanMs / Math.max(1, rows);
  for (let i = 0; i < rows; i++) {
    // Whole seconds, strictly increasing: one transaction per tick plus jitter inside the tick.
    const eventMs = Math.floor((startMs + i * stepMs + rng.next() * stepMs * 0.9) / 1000) * 1000;
    const progress = i / Math.max(1, rows - 1);
    const shift = drift === 'sudden' ? (progress >= shiftAt ? 1 : 0) : drift === 'gradual' ? progress : 0;
    const season = drift === 'seasonal' ? seasonality(eventMs) : 0;
    yield transaction(rng, users[rng.int(users.length)], i, eventMs, shift, season);
  }
}

/** Writes `data/transactions.csv` (or `file`) and resolves to its path and row count. */
export async function writeTransactionsCsv(file: string, options: GenerateOptions = {}): Promise<{ file: string; rows: number; frauds: number }> {
  await mkdir(path.dirname(file), { recursive: true });
  const out = createWriteStream(file);
  let chunk = `${TRANSACTION_COLUMNS.join(',')}\n`;
  let rows = 0;
  let frauds = 0;
  for (const t of generateTransactions(options)) {
    chunk += `${t.transactionId},${t.userId},${new Date(t.eventMs).toISOString().replace('.000Z', 'Z')},${t.amount.toFixed(2)},${t.hour},${t.merchant},${t.foreign},${t.locationMismatch},${t.deviceTrust.toFixed(1)},${t.velocity},${t.age},${t.fraud ? 1 : 0}\n`;
    rows += 1;
    if (t.fraud) frauds += 1;
    if (chunk.length > 1 << 16) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end(chunk);
  await once(out, 'finish');
  return { file, rows, frauds };
}

function makeUsers(rng: Rng, count: number): User[] {
  const users: User[] = [];
  const width = String(count).length;
  for (let i = 0; i < count; i++) {
    users.push({
      id: `u${String(i + 1).padStart(width, '0')}`,
      age: clamp(Math.round(rng.normal(44, 14)), 18, 90),
      trust: clamp(rng.normal(78, 10), 30, 100),
      activity: 0.5 + rng.next() * 3,
      traveller: rng.chance(0.08),
    });
  }
  return users;
}

function transaction(rng: Rng, user: User, index: number, eventMs: number, shift: number, season: number): Transaction {
  // Older and very young cardholders are targeted a little more often: a weak, realistic signal.
  const ageRisk = user.age > 70 ? 1.4 : user.age < 25 ? 1.2 : 1;
  const fraud = rng.chance(0.018 * ageRisk * (1 + 0.3 * shift));
  const hourUtc = new Date(eventMs).getUTCHours();
  let amount: number;
  let hour: number;
  let merchant: number;
  let foreign: boolean;
  let mismatch: boolean;
  let trust: number;
  let velocity: number;
  if (fraud) {
    // Two fraud patterns, each a conjunction of signals (which trees capture and a linear model
    // only approximates): card-testing at night on untrusted devices, and daytime account
    // takeover from abroad with a burst of transactions.
    const takeover = rng.chance(0.4);
    amount = takeover ? Math.exp(rng.normal(4.2, 1.0)) : Math.exp(rng.normal(5.2, 1.0));
    hour = takeover ? clamp(Math.round(rng.normal(13, 4)), 0, 23) : rng.chance(0.8) ? rng.int(6) : rng.int(24);
    merchant = rng.pick(FRAUD_MERCHANTS);
    foreign = rng.chance(takeover ? 0.75 : 0.2);
    mismatch = rng.chance(takeover ? 0.8 : 0.25);
    trust = takeover ? rng.normal(62, 15) : rng.normal(30, 15);
    velocity = takeover ? 4 + rng.poisson(5) : 1 + rng.poisson(2);
  } else {
    amount = Math.exp(rng.normal(3.7, 0.9));
    hour = rng.chance(0.9) ? clamp(Math.round(rng.normal(14, 4)), 0, 23) : rng.int(24);
    merchant = rng.pick(LEGIT_MERCHANTS);
    foreign = rng.chance(user.traveller ? 0.4 : 0.04);
    mismatch = rng.chance(foreign ? 0.3 : 0.04);
    trust = rng.normal(user.trust, 9);
    velocity = 1 + rng.poisson(user.activity);
  }
  // Drift: amounts inflate, devices look less trusted, electronics grow (a new fraud wave's cover).
  amount *= 1 + 0.8 * shift + 0.35 * season;
  trust -= 15 * shift;
  if (shift > 0 && !fraud && rng.chance(0.15 * shift)) merchant = 0;
  if (season > 0.5) velocity += rng.poisson(1);
  return {
    transactionId: `t${String(index + 1).padStart(8, '0')}`,
    userId: user.id,
    eventMs,
    amount: Math.round(clamp(amount, 0.5, 100_000) * 100) / 100,
    hour,
    merchant: MERCHANT_CATEGORIES[merchant],
    foreign,
    locationMismatch: mismatch,
    deviceTrust: Math.round(clamp(trust, 0, 100) * 10) / 10,
    velocity: clamp(velocity, 0, 500),
    age: user.age,
    fraud,
  };
}

/** Holiday and weekend seasonality in [0, 1]: weekends and the December peak spend more. */
function seasonality(eventMs: number): number {
  const date = new Date(eventMs);
  const weekend = date.getUTCDay() === 0 || date.getUTCDay() === 6 ? 0.4 : 0;
  const december = date.getUTCMonth() === 11 ? 0.6 : date.getUTCMonth() === 10 ? 0.3 : 0;
  return Math.min(1, weekend + december);
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}
