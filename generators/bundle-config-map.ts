/** The ConfigMap carrying a model's runtime bundle (the contract in `core/bundle.ts`). */
import { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import { BUNDLE_FILE_NAME, BUNDLE_FORMAT, buildBundle, serializeBundle } from '../core/bundle.js';
import type { Catalog, Deployment, Environment, ModelCard } from '../core/catalog.js';
import { runtimeLabels, SYNC_WAVES, syncWave } from './labels.js';
import { bundleConfigMapName } from './names.js';

/** Props of `BundleConfigMap`. */
export interface BundleConfigMapProps {
  /** The whole catalog: the bundle reads the card, the policies and the project. */
  readonly catalog: Catalog;
  /** The environment the bundle is for. */
  readonly environment: Environment;
  /** The deployment entry naming the model. */
  readonly deployment: Deployment;
  /** The model card, whose labels are copied onto the ConfigMap. */
  readonly card: ModelCard;
}

/** The bundle as `bundle.json`; the runtime reloads it in place when it changes. */
export class BundleConfigMap extends ApiObject {
  constructor(scope: Construct, id: string, props: BundleConfigMapProps) {
    const { catalog, environment, deployment, card } = props;
    const bundle = buildBundle(catalog, environment.name, deployment.model);
    super(scope, id, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: bundleConfigMapName(deployment.model),
        namespace: environment.cluster.namespace,
        labels: runtimeLabels(environment.name, deployment.model, card),
        annotations: { ...syncWave(SYNC_WAVES.config), 'slipway.dev/bundle-format': BUNDLE_FORMAT },
      },
      data: { [BUNDLE_FILE_NAME]: serializeBundle(bundle) },
    });
  }
}
