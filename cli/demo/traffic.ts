/**
 * An in-process load generator for the runtimes' `/score`: transactions from the example data
 * generator (the last 30 days of the same seeded stream the model trained on, so the same
 * cardholders are in Redis), each followed by its true label on `/feedback` so the runtime can
 * count outcomes and the controller can compute F1. `drift` switches a target to the generator's
 * sudden-drift stream (inflated amounts, less trusted devices, more electronics).
 */
import { Agent, request } from 'node:http';
import { generateTransactions, type Transaction } from '../../features/generate.js';

/** One runtime the generator sends to. */
export interface TrafficTarget {
  readonly environment: string;
  readonly url: string;
  /** Requests per second. */
  readonly rate: number;
}

/** What one target has seen so far. */
export interface TargetStats {
  sent: number;
  answered: number;
  failed: number;
  feedback: number;
  /** Answers per model version. */
  readonly byVersion: Map<string, number>;
  lastError: string | null;
}

const DAY_MS = 86_400_000;
/** Inputs the request carries; the rest (the cardholder's age) come from Redis. */
const REQUEST_FEATURES: Readonly<Record<string, (t: Transaction) => number | string | boolean>> = {
  amount: (t) => t.amount,
  transaction_hour: (t) => t.hour,
  merchant_category: (t) => t.merchant,
  foreign_transaction: (t) => t.foreign,
  velocity_last_24h: (t) => t.velocity,
  device_trust_score: (t) => t.deviceTrust,
  location_mismatch: (t) => t.locationMismatch,
};

/** The two streams: as trained, and after a sudden shift. */
export interface TrafficPools {
  readonly normal: readonly Transaction[];
  readonly drifted: readonly Transaction[];
}

/** Builds the pools from the same options the data was generated with. */
export function buildPools(rows: number, seed: number): TrafficPools {
  const recent = (drift: 'none' | 'sudden') => {
    const all = [...generateTransactions({ rows, seed, drift, shiftAt: 0.5 })];
    const end = all[all.length - 1].eventMs;
    return all.filter((t) => t.eventMs > end - 30 * DAY_MS);
  };
  return { normal: recent('none'), drifted: recent('sudden') };
}

/** A running load generator. */
export class Traffic {
  readonly stats = new Map<string, TargetStats>();
  private readonly modes = new Map<string, 'normal' | 'drift'>();
  private readonly inputs = new Map<string, Set<string>>();
  private readonly inFlight = new Map<string, number>();
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 64 });
  private cursor = 0;
  private stopped = false;

  constructor(
    private readonly pools: TrafficPools,
    private readonly model: string,
  ) {}

  /** Starts sending to `target` at its rate. */
  add(target: TrafficTarget): void {
    this.stats.set(target.environment, { sent: 0, answered: 0, failed: 0, feedback: 0, byVersion: new Map(), lastError: null });
    this.modes.set(target.environment, 'normal');
    this.inFlight.set(target.environment, 0);
    const tickMs = 50;
    let credit = 0;
    this.timers.push(
      setInterval(() => {
        credit += (target.rate * tickMs) / 1000;
        while (credit >= 1) {
          credit -= 1;
          this.send(target);
        }
      }, tickMs),
    );
    const refresh = () => void this.refreshInputs(target);
    refresh();
    this.timers.push(setInterval(refresh, 1_000));
  }

  /** Switches a target between the trained distribution and the drifted one. */
  setMode(environment: string, mode: 'normal' | 'drift'): void {
    this.modes.set(environment, mode);
  }

  /** Stops sending; requests in flight finish or fail quietly. */
  stop(): void {
    this.stopped = true;
    for (const timer of this.timers) clearInterval(timer);
    this.agent.destroy();
  }

  /** Answers per version for one environment since the start, e.g. `2.0.0: 812, 2.2.0: 90`. */
  describe(environment: string): string {
    const stats = this.stats.get(environment);
    if (stats === undefined) return 'no traffic';
    const versions = [...stats.byVersion.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([version, count]) => `${version}: ${count}`);
    return `${stats.answered} answered (${versions.join(', ') || 'none yet'}), ${stats.failed} failed, ${stats.feedback} labels`;
  }

  // The inputs of every version the runtime serves: a version without an input (1.4.0 has no
  // velocity) must not be sent it, and a new version's inputs must be sent once it serves.
  private async refreshInputs(target: TrafficTarget): Promise<void> {
    try {
      const metadata = (await getJson(`${target.url}/v2/models/${this.model}`)) as { versions: string[] };
      const names = new Set<string>();
      for (const version of metadata.versions) {
        const one = (await getJson(`${target.url}/v2/models/${this.model}/versions/${version}`)) as { inputs: { name: string }[] };
        for (const input of one.inputs) names.add(input.name);
      }
      this.inputs.set(target.environment, names);
    } catch {
      // The runtime may be reloading; keep the last known inputs.
    }
  }

  private send(target: TrafficTarget): void {
    const env = target.environment;
    const names = this.inputs.get(env);
    const stats = this.stats.get(env)!;
    if (this.stopped || names === undefined || this.inFlight.get(env)! >= 64) return;
    const pool = this.modes.get(env) === 'drift' ? this.pools.drifted : this.pools.normal;
    const transaction = pool[this.cursor++ % pool.length];
    const features: Record<string, number | string | boolean> = {};
    for (const name of names) {
      const feature = name.includes(':') ? name.slice(name.indexOf(':') + 1) : name;
      const value = REQUEST_FEATURES[feature];
      if (value !== undefined) features[name] = value(transaction);
    }
    const id = `${env}-${stats.sent}`;
    stats.sent += 1;
    this.inFlight.set(env, this.inFlight.get(env)! + 1);
    const body = { id, entities: { user_id: transaction.userId, transaction_id: transaction.transactionId }, features };
    void postJson(this.agent, `${target.url}/v2/models/${this.model}/score`, body)
      .then(async ({ status, json }) => {
        if (status !== 200) {
          stats.failed += 1;
          stats.lastError = `HTTP ${status}: ${JSON.stringify(json).slice(0, 200)}`;
          return;
        }
        stats.answered += 1;
        const version = (json as { model_version?: string }).model_version ?? 'unknown';
        stats.byVersion.set(version, (stats.byVersion.get(version) ?? 0) + 1);
        const label = await postJson(this.agent, `${target.url}/v2/models/${this.model}/feedback`, { id, label: transaction.fraud ? 1 : 0 });
        if (label.status < 300) stats.feedback += 1;
      })
      .catch((error: Error) => {
        if (this.stopped) return;
        stats.failed += 1;
        stats.lastError = error.message;
      })
      .finally(() => this.inFlight.set(env, this.inFlight.get(env)! - 1));
  }
}

async function getJson(url: string): Promise<unknown> {
  const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
  if (!response.ok) throw new Error(`GET ${url}: HTTP ${response.status}`);
  return response.json();
}

function postJson(agent: Agent, url: string, body: unknown): Promise<{ status: number; json: unknown }> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }, timeout: 5_000 }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => {
        try {
          resolve({ status: response.statusCode ?? 0, json: text === '' ? null : JSON.parse(text) });
        } catch {
          resolve({ status: response.statusCode ?? 0, json: text });
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error(`POST ${url}: timed out`)));
    req.on('error', reject);
    req.end(payload);
  });
}
