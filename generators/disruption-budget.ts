/** The PodDisruptionBudget of a model's runtime: voluntary evictions take one pod at a time. */
import { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import type { Deployment, Environment, ModelCard } from '../core/catalog.js';
import { runtimeLabels, runtimeSelector, SYNC_WAVES, syncWave } from './labels.js';
import { runtimeName } from './names.js';

/** Props of `RuntimeDisruptionBudget`. */
export interface RuntimeDisruptionBudgetProps {
  /** The environment: namespace. */
  readonly environment: Environment;
  /** The deployment entry naming the model. */
  readonly deployment: Deployment;
  /** The model card, whose labels are copied onto the budget. */
  readonly card: ModelCard;
}

/**
 * `maxUnavailable: 1` rather than a `minAvailable`: with one replica (dev) a `minAvailable: 1`
 * would block every node drain forever, while one-at-a-time still protects larger pools.
 */
export class RuntimeDisruptionBudget extends ApiObject {
  constructor(scope: Construct, id: string, props: RuntimeDisruptionBudgetProps) {
    const { environment, deployment, card } = props;
    super(scope, id, {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: {
        name: runtimeName(deployment.model),
        namespace: environment.cluster.namespace,
        labels: runtimeLabels(environment.name, deployment.model, card),
        annotations: syncWave(SYNC_WAVES.policy),
      },
      spec: {
        maxUnavailable: 1,
        selector: { matchLabels: runtimeSelector(deployment.model) },
        // A crash-looping pod must not hold a drain hostage.
        unhealthyPodEvictionPolicy: 'AlwaysAllow',
      },
    });
  }
}
