/** Where objects that are not per deployment go: materialization jobs (training: `trainingEnvironmentOf` in core/catalog). */
import type { Catalog, Environment, FeatureView } from '../core/catalog.js';

/** The online feature views an environment's served versions read, by name; none without an online store. */
export function servedOnlineViews(catalog: Catalog, environment: Environment): FeatureView[] {
  if (environment.onlineStore === undefined) return [];
  const names = new Set<string>();
  for (const deployment of environment.deployments) {
    const card = catalog.models.get(deployment.model);
    for (const version of [deployment.stable, deployment.canary?.version, deployment.shadow?.version]) {
      if (version === undefined) continue;
      for (const input of card?.versions.get(version)?.inputs ?? []) if (input.online) names.add(input.view);
    }
  }
  return [...names].sort().flatMap((name) => {
    const view = catalog.featureViews.get(name);
    return view === undefined ? [] : [view];
  });
}
