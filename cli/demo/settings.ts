/**
 * How long the demo waits, as settings it writes into its temporary copy of the repository: the
 * same environment and policy fields a team would tune, so the controller needs no special code
 * for the demo. `--fast` shortens every one of them further (for tests).
 */

/** The durations and volumes of one demo run. */
export interface DemoSettings {
  /**
   * Rows of generated transactions (training data and the traffic's pool). Not the example's
   * 100,000: when a new version's reference profile equals the outgoing one's, the controller
   * leaves it out of the history entry and the loader does not inherit it, so 2.0.0 would lose
   * its drift baseline in staging and prod. Different data keeps the profiles apart.
   */
  readonly rows: number;
  /** `spec.promotion.soak` of staging: how long a version serves in dev before it may go on. */
  readonly stagingSoak: string;
  /** `spec.promotion.soak` of prod: how long a version serves as stable in staging. */
  readonly prodSoak: string;
  /** `minDuration` of each RolloutPolicy step. */
  readonly stepDuration: string;
  /** RolloutPolicy `analysis.window` and `analysis.interval`. */
  readonly analysisWindow: string;
  readonly analysisInterval: string;
  /** RolloutPolicy `analysis.minRequests`. */
  readonly minRequests: number;
  /** DriftPolicy `window` (also the runtime's drift window) and `minSamples`. */
  readonly driftWindow: string;
  readonly driftMinSamples: number;
  /** Requests per second the load generator sends to each environment's runtime. */
  readonly rates: { readonly dev: number; readonly staging: number; readonly prod: number };
  /** How often the controller reconciles while the demo waits for a proposal. */
  readonly reconcileEveryMs: number;
  /** How long the demo waits for one proposal before it gives up on that step. */
  readonly proposalTimeoutMs: number;
}

/** The default run: a few minutes. */
export const DEFAULT_SETTINGS: DemoSettings = {
  rows: 120_000,
  stagingSoak: '20s',
  prodSoak: '30s',
  stepDuration: '20s',
  analysisWindow: '30s',
  analysisInterval: '5s',
  minRequests: 200,
  driftWindow: '20s',
  driftMinSamples: 200,
  rates: { dev: 60, staging: 250, prod: 150 },
  reconcileEveryMs: 3_000,
  proposalTimeoutMs: 240_000,
};

/** `--fast`: every wait shortened, for tests. */
export const FAST_SETTINGS: DemoSettings = {
  rows: 120_000,
  stagingSoak: '5s',
  prodSoak: '5s',
  stepDuration: '5s',
  analysisWindow: '20s',
  analysisInterval: '5s',
  minRequests: 100,
  driftWindow: '10s',
  driftMinSamples: 150,
  rates: { dev: 60, staging: 250, prod: 150 },
  reconcileEveryMs: 1_500,
  proposalTimeoutMs: 180_000,
};

/** The model the example repository serves. */
export const DEMO_MODEL = 'fraud-detector';

/** The environments in promotion order, with their namespaces in the example. */
export const DEMO_ENVIRONMENTS = ['dev', 'staging', 'prod'] as const;

/** One of `DEMO_ENVIRONMENTS`. */
export type DemoEnvironment = (typeof DEMO_ENVIRONMENTS)[number];
