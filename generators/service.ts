/** The ClusterIP Service in front of a model's runtime pods; the ServiceMonitor scrapes through it. */
import { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import type { Deployment, Environment, ModelCard } from '../core/catalog.js';
import { runtimeLabels, runtimeSelector, SYNC_WAVES, syncWave } from './labels.js';
import { runtimeName, RUNTIME_PORT } from './names.js';

/** Props of `RuntimeService`. */
export interface RuntimeServiceProps {
  /** The environment: namespace. */
  readonly environment: Environment;
  /** The deployment entry naming the model. */
  readonly deployment: Deployment;
  /** The model card, whose labels are copied onto the Service. */
  readonly card: ModelCard;
}

/** The stable address of a model's runtime: `<model>.<namespace>:8080`. */
export class RuntimeService extends ApiObject {
  constructor(scope: Construct, id: string, props: RuntimeServiceProps) {
    const { environment, deployment, card } = props;
    super(scope, id, {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {
        name: runtimeName(deployment.model),
        namespace: environment.cluster.namespace,
        labels: runtimeLabels(environment.name, deployment.model, card),
        annotations: syncWave(SYNC_WAVES.workload),
      },
      spec: {
        type: 'ClusterIP',
        selector: runtimeSelector(deployment.model),
        ports: [{ name: 'http', port: RUNTIME_PORT, targetPort: 'http', protocol: 'TCP' }],
      },
    });
  }
}
