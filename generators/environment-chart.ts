/**
 * The cdk8s Charts of one environment: what its Application syncs from `dist/<env>/` (namespace,
 * controller, runtimes and their monitoring), and what its jobs Application syncs from
 * `dist/<env>/jobs/` (training and materialization), whose health gates nothing.
 */
import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import type { Catalog, Environment } from '../core/catalog.js';
import { required } from '../core/catalog.js';
import { RuntimeAutoscaler } from './autoscaler.js';
import { BundleConfigMap } from './bundle-config-map.js';
import { materializationPin, trainingPin } from './catalog-pin.js';
import { ControllerDeployment } from './controller-deployment.js';
import { ControllerLeaseRole, ControllerLeaseRoleBinding, ControllerServiceAccount } from './controller-rbac.js';
import { ControllerService } from './controller-service.js';
import { RuntimeDisruptionBudget } from './disruption-budget.js';
import { MaterializationCronJob } from './materialization-cron-job.js';
import { EnvironmentNamespace } from './namespace.js';
import { RuntimeNetworkPolicy } from './network-policy.js';
import { modelsTrainedIn, servedOnlineViews } from './placement.js';
import { alertGroups, RuntimePrometheusRule } from './prometheus-rule.js';
import { RuntimeDeployment } from './runtime-deployment.js';
import { RuntimeService } from './service.js';
import { RuntimeServiceMonitor } from './service-monitor.js';
import { TrainingCronJob, TrainingJob } from './training-cron-job.js';
import { WorkloadServiceAccount } from './workload-service-account.js';

/** Props of `EnvironmentChart`. */
export interface EnvironmentChartProps {
  /** The whole catalog. */
  readonly catalog: Catalog;
  /** The environment to render. */
  readonly environment: Environment;
}

/** Namespace, controller, and per deployment the runtime and its monitoring. */
export class EnvironmentChart extends Chart {
  constructor(scope: Construct, id: string, props: EnvironmentChartProps) {
    // No chart-wide namespace: cdk8s would stamp it onto the cluster-scoped Namespace too.
    super(scope, id);
    const { catalog, environment } = props;
    new EnvironmentNamespace(this, 'namespace', { environment });
    this.addController(catalog, environment);
    for (const deployment of environment.deployments) {
      const card = required(catalog.models, deployment.model, 'model');
      const rollout = deployment.rollout === undefined ? undefined : required(catalog.rolloutPolicies, deployment.rollout, 'rollout policy');
      const drift = deployment.drift === undefined ? undefined : required(catalog.driftPolicies, deployment.drift, 'drift policy');
      const model = new Construct(this, `model-${deployment.model}`);
      const common = { environment, deployment, card };
      new BundleConfigMap(model, 'bundle', { catalog, ...common });
      new RuntimeDeployment(model, 'deployment', common);
      new RuntimeService(model, 'service', common);
      new RuntimeAutoscaler(model, 'autoscaler', common);
      new RuntimeDisruptionBudget(model, 'disruption-budget', common);
      new RuntimeNetworkPolicy(model, 'network-policy', common);
      new RuntimeServiceMonitor(model, 'service-monitor', common);
      const groups = alertGroups({ ...common, rollout, drift });
      if (groups.length > 0) new RuntimePrometheusRule(model, 'prometheus-rule', { ...common, groups });
    }
  }

  private addController(catalog: Catalog, environment: Environment): void {
    const controller = new Construct(this, 'controller');
    new ControllerServiceAccount(controller, 'service-account', { environment });
    new ControllerLeaseRole(controller, 'role', { environment });
    new ControllerLeaseRoleBinding(controller, 'role-binding', { environment });
    new ControllerDeployment(controller, 'deployment', { project: catalog.project, environment });
    new WorkloadServiceAccount(this, 'workload-service-account', { environment });
    new ControllerService(controller, 'service', { environment });
  }
}

/**
 * The environment's training Jobs and CronJobs and its materialization CronJobs. Argo CD rates an
 * Application by its worst resource: a running Job is Progressing and a failed one (or a CronJob
 * whose last run failed, since Argo CD 3.2) Degraded, so in the environment's own Application a
 * six-hour training run would hold promotions and a failed one block them.
 */
export class EnvironmentJobsChart extends Chart {
  constructor(scope: Construct, id: string, props: EnvironmentChartProps) {
    super(scope, id);
    const { catalog, environment } = props;
    for (const model of modelsTrainedIn(catalog, environment)) {
      const card = required(catalog.models, model, 'model');
      const training = { project: catalog.project, environment, card, pin: trainingPin(catalog, card) };
      new TrainingJob(this, `training-job-${model}`, training);
      if (card.training.schedule !== undefined) new TrainingCronJob(this, `training-cron-job-${model}`, { ...training, schedule: card.training.schedule });
    }
    for (const view of servedOnlineViews(catalog, environment)) {
      new MaterializationCronJob(this, `materialize-${view.name}`, { project: catalog.project, environment, view, pin: materializationPin(catalog, view) });
    }
  }
}
