/**
 * Checks made before rendering, on the catalog, so that a problem points at the document and
 * field a person edits (file:line) rather than at a rendered object: derived names too long for
 * Kubernetes, labels Kubernetes would reject, unpinned images, clashing environments.
 */
import type { Catalog, DocumentMeta, Environment, PeerSelector } from '../core/catalog.js';
import { required, trainingEnvironmentOf } from '../core/catalog.js';
import type { Diagnostic } from '../core/diagnostics.js';
import { isPinnedImage } from '../core/load/resolve-environments.js';
import { ARGOCD_FOLDER, CRONJOB_NAME_LIMIT, JOBS_APPLICATION_SUFFIX, DNS_LABEL_LIMIT, materializationCronJobName, trainingCronJobName, trainingJobName } from './names.js';
import { servedOnlineViews } from './placement.js';
import { checkLabel } from './validate.js';

/** Every problem that would make the given environments render objects Kubernetes rejects. */
export function preflight(catalog: Catalog, environments: readonly Environment[]): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const report = (document: DocumentMeta, path: string, message: string, rule: string) =>
    diagnostics.push({ ...document.declaredAt, path, message, rule });
  checkNamespaces(catalog, report);
  const labelled = new Set<DocumentMeta>();
  for (const env of environments) {
    if (env.name === ARGOCD_FOLDER) report(env, 'metadata.name', `'${ARGOCD_FOLDER}' is reserved for dist/${ARGOCD_FOLDER}/, which holds the Argo CD objects`, 'reserved-name');
    const jobsOf = env.name.endsWith(JOBS_APPLICATION_SUFFIX) ? env.name.slice(0, -JOBS_APPLICATION_SUFFIX.length) : null;
    if (jobsOf !== null && catalog.environments.has(jobsOf)) {
      report(env, 'metadata.name', `'${env.name}' would share its Argo CD Application name with the jobs Application of environment '${jobsOf}' (rename one of them)`, 'reserved-name');
    }
    for (const [field, labels] of environmentLabelSets(env)) {
      for (const [key, value] of Object.entries(labels)) {
        for (const problem of checkLabel(key, value, `${field}.${key}`, env.name)) report(env, problem.field, problem.message, 'kubernetes-label');
      }
    }
    if (!isPinnedImage(env.image)) report(env, 'spec.image', `image '${env.image}' is not pinned`, 'image-pinned');
    labelled.add(env);
    for (const deployment of env.deployments) {
      const card = required(catalog.models, deployment.model, 'model');
      labelled.add(card);
      if (trainingEnvironmentOf(catalog, card.name) !== env.name) continue;
      const job = trainingJobName(card.name, card.training.triggerId);
      if (job.length > DNS_LABEL_LIMIT) {
        report(card, 'spec.training.triggerId', `the training Job '${job}' would be ${job.length} characters; Kubernetes allows ${DNS_LABEL_LIMIT} (shorten the model name or trigger id)`, 'kubernetes-name');
      }
      const cron = trainingCronJobName(card.name);
      if (card.training.schedule !== undefined && cron.length > CRONJOB_NAME_LIMIT) {
        report(card, 'metadata.name', `the training CronJob '${cron}' would be ${cron.length} characters; Kubernetes allows ${CRONJOB_NAME_LIMIT}`, 'kubernetes-name');
      }
      if (card.training.image !== undefined && !isPinnedImage(card.training.image)) {
        report(card, 'spec.training.image', `image '${card.training.image}' is not pinned`, 'image-pinned');
      }
    }
    for (const view of servedOnlineViews(catalog, env)) {
      labelled.add(view);
      const cron = materializationCronJobName(view.name);
      if (cron.length > CRONJOB_NAME_LIMIT) {
        report(view, 'metadata.name', `the materialization CronJob '${cron}' would be ${cron.length} characters; Kubernetes allows ${CRONJOB_NAME_LIMIT}`, 'kubernetes-name');
      }
    }
  }
  for (const document of labelled) {
    for (const [key, value] of Object.entries(document.labels)) {
      for (const problem of checkLabel(key, value, `metadata.labels.${key}`, document.name)) report(document, problem.field, problem.message, 'kubernetes-label');
    }
  }
  return diagnostics;
}

function checkNamespaces(catalog: Catalog, report: (document: DocumentMeta, path: string, message: string, rule: string) => void): void {
  const seen = new Map<string, Environment>();
  for (const env of [...catalog.environments.values()].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const key = `${env.cluster.server} ${env.cluster.namespace}`;
    const first = seen.get(key);
    if (first === undefined) seen.set(key, env);
    else report(env, 'spec.cluster.namespace', `namespace '${env.cluster.namespace}' on ${env.cluster.server} is already environment '${first.name}'s; their objects would overwrite each other`, 'namespace-collision');
  }
}

/** The label maps an Environment declares for rendered objects and selectors, by the field they were written at. */
function environmentLabelSets(env: Environment): [string, Readonly<Record<string, string>>][] {
  const sets: [string, Readonly<Record<string, string>>][] = [['spec.prometheus.labels', env.monitoring.labels]];
  const peers: [string, PeerSelector][] = [['spec.prometheus.scrapedFrom', env.monitoring.scrapedFrom], ...env.network.ingressFrom.map((peer, index): [string, PeerSelector] => [`spec.network.ingressFrom[${index}]`, peer])];
  for (const [field, peer] of peers) {
    if (peer.namespaceLabels !== undefined) sets.push([`${field}.namespaceLabels`, peer.namespaceLabels]);
    if (peer.podLabels !== undefined) sets.push([`${field}.podLabels`, peer.podLabels]);
  }
  return sets;
}
