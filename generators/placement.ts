/** Where objects that are not per deployment go: training runs and materialization jobs. */
import { deployedVersions, trainingEnvironmentOf, type Catalog, type Environment, type FeatureView } from '../core/catalog.js';

/** The online feature views an environment's served versions read, by name; none without an online store. */
export function servedOnlineViews(catalog: Catalog, environment: Environment): FeatureView[] {
  if (environment.onlineStore === undefined) return [];
  const names = new Set<string>();
  for (const deployment of environment.deployments) {
    const card = catalog.models.get(deployment.model);
    for (const version of deployedVersions(deployment)) {
      for (const input of card?.versions.get(version)?.inputs ?? []) if (input.online) names.add(input.view);
    }
  }
  return [...names].sort().flatMap((name) => {
    const view = catalog.featureViews.get(name);
    return view === undefined ? [] : [view];
  });
}

/** The models whose training Job (and CronJob) render into this environment. */
export function modelsTrainedIn(catalog: Catalog, environment: Environment): string[] {
  return environment.deployments.map((deployment) => deployment.model).filter((model) => trainingEnvironmentOf(catalog, model) === environment.name);
}

/** Whether the environment renders any Job or CronJob, and so has a jobs Application. */
export function hasJobs(catalog: Catalog, environment: Environment): boolean {
  return modelsTrainedIn(catalog, environment).length > 0 || servedOnlineViews(catalog, environment).length > 0;
}
