/** The HorizontalPodAutoscaler of a model's runtime: replicas between the environment's min and max. */
import { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import type { Deployment, Environment, ModelCard } from '../core/catalog.js';
import { runtimeLabels, SYNC_WAVES, syncWave } from './labels.js';
import { runtimeName } from './names.js';

/** Props of `RuntimeAutoscaler`. */
export interface RuntimeAutoscalerProps {
  /** The environment: namespace. */
  readonly environment: Environment;
  /** The deployment entry: `replicas.min`, `replicas.max`, `targetCpuUtilization`. */
  readonly deployment: Deployment;
  /** The model card, whose labels are copied onto the autoscaler. */
  readonly card: ModelCard;
}

/** Scales the runtime on CPU; scale-down waits five minutes so a traffic dip does not flap. */
export class RuntimeAutoscaler extends ApiObject {
  constructor(scope: Construct, id: string, props: RuntimeAutoscalerProps) {
    const { environment, deployment, card } = props;
    const { min, max } = deployment.replicas;
    // The loader rejects this with a file and line; the guard keeps a hand-built Catalog honest.
    if (min > max) throw new Error(`'replicas.min' must be <= 'replicas.max' (got ${min} > ${max}) for model '${deployment.model}'`);
    super(scope, id, {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: {
        name: runtimeName(deployment.model),
        namespace: environment.cluster.namespace,
        labels: runtimeLabels(environment.name, deployment.model, card),
        annotations: syncWave(SYNC_WAVES.policy),
      },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: runtimeName(deployment.model) },
        minReplicas: min,
        maxReplicas: max,
        metrics: [
          { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: deployment.targetCpuUtilization } } },
        ],
        behavior: { scaleDown: { stabilizationWindowSeconds: 300 } },
      },
    });
  }
}
