/** The CronJob copying one online feature view's latest values from its source into the environment's Redis. */
import { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import type { Environment, FeatureView, Project } from '../core/catalog.js';
import type { CatalogPin } from '../core/load/catalog-digest.js';
import { baseLabels, LABEL_KEYS, SYNC_WAVES, syncWave } from './labels.js';
import { materializationCronJobName } from './names.js';
import { artifactStoreEnvFrom, CHECKOUT_DIR, checkoutJobPod, redisPasswordEnv } from './pod-defaults.js';

/** Props of `MaterializationCronJob`. */
export interface MaterializationCronJobProps {
  /** The project: the repository the pod clones. */
  readonly project: Project;
  /** The environment whose online store is written; its runtime image carries `slipway materialize`. */
  readonly environment: Environment;
  /** The online feature view to materialize, on its `materializationSchedule`. */
  readonly view: FeatureView;
  /** The documents the job reads and their digest, by which its checkout finds the revision. */
  readonly pin: CatalogPin;
}

/** Runs `slipway materialize --env <env> --view <view>` on the view's schedule. */
export class MaterializationCronJob extends ApiObject {
  constructor(scope: Construct, id: string, props: MaterializationCronJobProps) {
    const { project, environment, view } = props;
    const labels = { ...baseLabels(environment.name, 'materialization', view.name, view), [LABEL_KEYS.featureView]: view.name };
    super(scope, id, {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: {
        name: materializationCronJobName(view.name),
        namespace: environment.cluster.namespace,
        labels,
        annotations: syncWave(SYNC_WAVES.workload),
      },
      spec: {
        schedule: view.materializationSchedule,
        timeZone: 'Etc/UTC',
        // Two runs writing the same keys would only waste Redis; the later one is skipped.
        concurrencyPolicy: 'Forbid',
        startingDeadlineSeconds: 600,
        successfulJobsHistoryLimit: 1,
        failedJobsHistoryLimit: 3,
        jobTemplate: {
          metadata: { labels },
          spec: {
            backoffLimit: 2,
            template: {
              metadata: { labels },
              spec: checkoutJobPod(project, environment, props.pin, {
                name: 'materialize',
                image: environment.image,
                args: ['materialize', CHECKOUT_DIR, '--env', environment.name, '--view', view.name],
                ...(redisPasswordEnv(environment).length === 0 ? {} : { env: redisPasswordEnv(environment) }),
                envFrom: artifactStoreEnvFrom(environment),
                resources: { requests: { cpu: '250m', memory: '256Mi' }, limits: { memory: '1Gi' } },
              }),
            },
          },
        },
      },
    });
  }
}
