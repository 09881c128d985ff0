/**
 * Training of a model: a one-off Job named after the card's trigger id, so that a merged change
 * to the trigger starts exactly one run, and, when the card has a schedule, a CronJob for
 * periodic retraining.
 */
import { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import type { Environment, ModelCard, Project } from '../core/catalog.js';
import type { CatalogPin } from '../core/load/catalog-digest.js';
import { baseLabels, LABEL_KEYS, SYNC_WAVES, syncWave } from './labels.js';
import { trainingCronJobName, trainingJobName } from './names.js';
import { artifactStoreEnvFrom, CHECKOUT_DIR, checkoutJobPod } from './pod-defaults.js';

/** Props of `TrainingJob` and `TrainingCronJob`. */
export interface TrainingProps {
  /** The project: the default trainer image. */
  readonly project: Project;
  /** The environment the training runs in (the first one the model is deployed to). */
  readonly environment: Environment;
  /** The model card: training spec, trigger id, labels. */
  readonly card: ModelCard;
  /** The documents the job reads and their digest, by which its checkout finds the revision. */
  readonly pin: CatalogPin;
}

/** Trainers need more than the runtime; cards do not declare resources (yet), so one size fits all. */
const TRAINING_RESOURCES = { requests: { cpu: '1', memory: '2Gi' }, limits: { memory: '4Gi' } } as const;

/** The trainer's image: the card's, else the environment's Slipway image (which carries `slipway train`). */
export function trainingImage(environment: Environment, card: ModelCard): string {
  return card.training.image ?? environment.image;
}

/** The run started once per trigger id; its name and labels carry the trigger id. */
export class TrainingJob extends ApiObject {
  constructor(scope: Construct, id: string, props: TrainingProps) {
    const { environment, card } = props;
    super(scope, id, {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: {
        name: trainingJobName(card.name, card.training.triggerId),
        namespace: environment.cluster.namespace,
        labels: trainingLabels(props),
        // One wave with the CronJobs: a jobs Application whose sync has one wave never waits for a run.
        annotations: { ...syncWave(SYNC_WAVES.workload), 'slipway.dev/trigger-id': card.training.triggerId },
      },
      // No ttlSecondsAfterFinished: Argo CD would recreate a Job that disappears, and run it again.
      spec: jobSpec(props),
    });
  }
}

/** Periodic retraining on the card's `training.schedule`. */
export class TrainingCronJob extends ApiObject {
  constructor(scope: Construct, id: string, props: TrainingProps & { readonly schedule: string }) {
    const { environment, card } = props;
    super(scope, id, {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: {
        name: trainingCronJobName(card.name),
        namespace: environment.cluster.namespace,
        labels: trainingLabels(props),
        annotations: syncWave(SYNC_WAVES.workload),
      },
      spec: {
        schedule: props.schedule,
        timeZone: 'Etc/UTC',
        concurrencyPolicy: 'Forbid',
        startingDeadlineSeconds: 3600,
        successfulJobsHistoryLimit: 3,
        failedJobsHistoryLimit: 3,
        jobTemplate: { metadata: { labels: trainingLabels(props) }, spec: jobSpec(props) },
      },
    });
  }
}

function trainingLabels(props: TrainingProps): Record<string, string> {
  const { environment, card } = props;
  return {
    ...baseLabels(environment.name, 'training', card.name, card),
    [LABEL_KEYS.model]: card.name,
    [LABEL_KEYS.triggerId]: card.training.triggerId,
  };
}

function jobSpec(props: TrainingProps): Record<string, unknown> {
  const { project, environment, card } = props;
  const command = card.training.command;
  return {
    backoffLimit: 2,
    // A stuck run must end so that the next trigger or schedule can start one.
    activeDeadlineSeconds: 6 * 3600,
    template: {
      metadata: { labels: trainingLabels(props) },
      spec: checkoutJobPod(project, environment, props.pin, {
        name: 'trainer',
        image: trainingImage(environment, card),
        // The card's command replaces the image's entrypoint; by default the image's `slipway`
        // trains from the checkout and publishes to the artifact store.
        ...(command === undefined ? { args: ['train', card.name, CHECKOUT_DIR, '--trigger', card.training.triggerId] } : { command: [...command] }),
        env: [
          { name: 'SLIPWAY_ENVIRONMENT', value: environment.name },
          { name: 'SLIPWAY_TRIGGER_ID', value: card.training.triggerId },
          { name: 'SLIPWAY_REPOSITORY', value: CHECKOUT_DIR },
        ],
        envFrom: artifactStoreEnvFrom(environment),
        resources: TRAINING_RESOURCES,
      }),
    },
  };
}
