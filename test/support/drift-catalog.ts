/** The example catalog with its DriftPolicy changed, for tests of what the policy's fields do. */
import type { Catalog, DriftPolicy, Scalar } from '../../core/catalog.js';
import { loadCatalogOrThrow } from '../../core/load/load-catalog.js';
import type { Transaction } from '../../features/generate.js';
import { PROJECT_ROOT } from './example-repo.js';

/** The example with `fraud-drift` overridden by `changes`. */
export async function catalogWithDriftPolicy(changes: Partial<DriftPolicy>): Promise<Catalog> {
  const catalog = await loadCatalogOrThrow(PROJECT_ROOT);
  const policy = { ...catalog.driftPolicies.get('fraud-drift')!, ...changes };
  return { ...catalog, driftPolicies: new Map([['fraud-drift', policy]]) } as Catalog;
}

/** How each input of the example is read off a generated transaction (as the trainer joins them). */
export const TRANSACTION_COLUMNS: Readonly<Record<string, (t: Transaction) => Scalar>> = {
  amount: (t) => t.amount,
  transaction_hour: (t) => t.hour,
  merchant_category: (t) => t.merchant,
  foreign_transaction: (t) => t.foreign,
  cardholder_age: (t) => t.age,
  velocity_last_24h: (t) => t.velocity,
  device_trust_score: (t) => t.deviceTrust,
  location_mismatch: (t) => t.locationMismatch,
};
