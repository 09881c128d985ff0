/** The prometheus-operator ServiceMonitor scraping a model's runtime `/metrics`. */
import { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import type { Deployment, Environment, ModelCard } from '../core/catalog.js';
import { runtimeLabels, runtimeSelector, SKIP_DRY_RUN_ON_MISSING_RESOURCE, SYNC_WAVES, syncWave } from './labels.js';
import { runtimeName } from './names.js';
import { METRICS_PATH } from './runtime-deployment.js';

/** Props of `RuntimeServiceMonitor`. */
export interface RuntimeServiceMonitorProps {
  /** The environment: namespace. */
  readonly environment: Environment;
  /** The deployment entry naming the model. */
  readonly deployment: Deployment;
  /** The model card, whose labels are copied onto the monitor. */
  readonly card: ModelCard;
}

/** How often Prometheus scrapes the runtime; drift windows are far longer. */
export const SCRAPE_INTERVAL = '15s';

/** Scrapes every runtime pod behind the model's Service. */
export class RuntimeServiceMonitor extends ApiObject {
  constructor(scope: Construct, id: string, props: RuntimeServiceMonitorProps) {
    const { environment, deployment, card } = props;
    super(scope, id, {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'ServiceMonitor',
      metadata: {
        name: runtimeName(deployment.model),
        namespace: environment.cluster.namespace,
        // The environment's labels first: the Prometheus selects on them (`release: …`); ours win on a clash.
        labels: { ...environment.monitoring.labels, ...runtimeLabels(environment.name, deployment.model, card) },
        annotations: { ...syncWave(SYNC_WAVES.monitoring), ...SKIP_DRY_RUN_ON_MISSING_RESOURCE },
      },
      spec: {
        selector: { matchLabels: runtimeSelector(deployment.model) },
        namespaceSelector: { matchNames: [environment.cluster.namespace] },
        endpoints: [{ port: 'http', path: METRICS_PATH, interval: SCRAPE_INTERVAL, scrapeTimeout: '10s' }],
      },
    });
  }
}
