/** The example catalog with its DriftPolicy changed, for tests of what the policy's fields do. */
import type { Catalog, DriftPolicy } from '../../core/catalog.js';
import { loadCatalogOrThrow } from '../../core/load/load-catalog.js';
import { TRANSACTION_FEATURES } from '../../features/generate.js';
import { PROJECT_ROOT } from './example-repo.js';

/** The example with `fraud-drift` overridden by `changes`. */
export async function catalogWithDriftPolicy(changes: Partial<DriftPolicy>): Promise<Catalog> {
  const catalog = await loadCatalogOrThrow(PROJECT_ROOT);
  const policy = { ...catalog.driftPolicies.get('fraud-drift')!, ...changes };
  return { ...catalog, driftPolicies: new Map([['fraud-drift', policy]]) } as Catalog;
}

/** How each input of the example is read off a generated transaction. */
export const TRANSACTION_COLUMNS = TRANSACTION_FEATURES;
