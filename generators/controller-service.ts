/** The Service in front of the controller: where the forge's webhooks (merged pull requests) arrive. */
import { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import type { Environment } from '../core/catalog.js';
import { CONTROLLER_PORT } from './controller-deployment.js';
import { baseLabels, LABEL_KEYS, SYNC_WAVES, syncWave } from './labels.js';
import { CONTROLLER_NAME } from './names.js';

/** Props of `ControllerService`. */
export interface ControllerServiceProps {
  /** The environment: namespace and labels. */
  readonly environment: Environment;
}

/** `slipway-controller.<namespace>:8081`, for an Ingress or a tunnel that forwards `POST /webhook`. */
export class ControllerService extends ApiObject {
  constructor(scope: Construct, id: string, props: ControllerServiceProps) {
    const { environment } = props;
    const selector = { [LABEL_KEYS.name]: CONTROLLER_NAME };
    super(scope, id, {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {
        name: CONTROLLER_NAME,
        namespace: environment.cluster.namespace,
        labels: { ...baseLabels(environment.name, 'controller', CONTROLLER_NAME, environment), ...selector },
        annotations: syncWave(SYNC_WAVES.workload),
      },
      spec: {
        type: 'ClusterIP',
        selector,
        ports: [{ name: 'http', port: CONTROLLER_PORT, targetPort: 'http', protocol: 'TCP' }],
      },
    });
  }
}
