/** The cdk8s Chart of `dist/argocd/`: the objects the root app of apps syncs into Argo CD's namespace. */
import { Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import type { Catalog, Environment } from '../core/catalog.js';
import { environmentsInPromotionOrder } from '../core/catalog.js';
import { EnvironmentApplication, EnvironmentJobsApplication, RootApplication, SlipwayAppProject } from './argocd.js';
import { ControllerApplicationReaderRole, ControllerApplicationReaderRoleBinding } from './controller-rbac.js';
import { hasJobs } from './placement.js';

/** Props of `ArgoCdChart`. */
export interface ArgoCdChartProps {
  /** The whole catalog: every environment gets an Application. */
  readonly catalog: Catalog;
}

/** AppProjects, one Application per environment (and one for its jobs), the root app, and the controller's Application reader RBAC. */
export class ArgoCdChart extends Chart {
  constructor(scope: Construct, id: string, props: ArgoCdChartProps) {
    super(scope, id);
    const { catalog } = props;
    const environments = environmentsInPromotionOrder(catalog);
    if (environments.length === 0) return;
    const projects = new Map<string, { namespace: string; name: string; environments: Environment[] }>();
    for (const environment of environments) {
      const key = `${environment.argocd.namespace}/${environment.argocd.project}`;
      const entry = projects.get(key) ?? { namespace: environment.argocd.namespace, name: environment.argocd.project, environments: [] };
      entry.environments.push(environment);
      projects.set(key, entry);
      new EnvironmentApplication(this, `application-${environment.name}`, { project: catalog.project, environment });
      // An Application of an empty folder would fail to compare (the path does not exist in Git).
      if (hasJobs(catalog, environment)) new EnvironmentJobsApplication(this, `jobs-application-${environment.name}`, { project: catalog.project, environment });
      new ControllerApplicationReaderRole(this, `reader-role-${environment.name}`, { environment });
      new ControllerApplicationReaderRoleBinding(this, `reader-role-binding-${environment.name}`, { environment });
    }
    for (const [key, entry] of projects) {
      new SlipwayAppProject(this, `project-${key.replace('/', '-')}`, { project: catalog.project, ...entry });
    }
    // The first environment's Argo CD hosts the root app; environments normally share one Argo CD.
    new RootApplication(this, 'root', { project: catalog.project, namespace: environments[0].argocd.namespace });
  }
}
