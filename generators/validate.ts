/**
 * Checks rendered objects against the official schemas (kubernetes-models and its CRD packages)
 * and the rules the API server applies that schemas leave out: name and label lengths and
 * characters, and the ConfigMap size limit. Every problem names the object and the field.
 */
// Deep imports, one model each: the package indexes pull in hundreds of schemas (~0.8 s of start-up).
import { AppProject } from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1/AppProject';
import { Application } from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1/Application';
import { PrometheusRule } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule';
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { CronJob } from 'kubernetes-models/batch/v1/CronJob';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { Role } from 'kubernetes-models/rbac.authorization.k8s.io/v1/Role';
import { RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { Service } from 'kubernetes-models/v1/Service';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { CRONJOB_NAME_LIMIT, DNS_LABEL_LIMIT } from './names.js';

/** A rendered Kubernetes object as plain JSON. */
export interface KubeObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly labels?: Record<string, string>; readonly annotations?: Record<string, string> };
  readonly [field: string]: unknown;
}

/** One reason an object would be rejected. */
export interface ObjectProblem {
  /** `<folder>/<Kind>/<name>`, e.g. `prod/Deployment/fraud-detector`. */
  readonly object: string;
  /** Dotted path of the field, e.g. `spec.template.spec.containers[0].image`. */
  readonly field: string;
  readonly message: string;
}

interface Validatable {
  validate(): void;
}

type ModelClass = { readonly prototype: Validatable };

// Every kind Slipway renders must be listed: an unknown kind is a problem, never silently unchecked.
const MODELS: ReadonlyMap<string, ModelClass> = new Map<string, ModelClass>([
  ['v1/Namespace', Namespace],
  ['v1/Service', Service],
  ['v1/ConfigMap', ConfigMap],
  ['v1/ServiceAccount', ServiceAccount],
  ['apps/v1/Deployment', Deployment],
  ['autoscaling/v2/HorizontalPodAutoscaler', HorizontalPodAutoscaler],
  ['policy/v1/PodDisruptionBudget', PodDisruptionBudget],
  ['networking.k8s.io/v1/NetworkPolicy', NetworkPolicy],
  ['batch/v1/Job', Job],
  ['batch/v1/CronJob', CronJob],
  ['rbac.authorization.k8s.io/v1/Role', Role],
  ['rbac.authorization.k8s.io/v1/RoleBinding', RoleBinding],
  ['argoproj.io/v1alpha1/Application', Application],
  ['argoproj.io/v1alpha1/AppProject', AppProject],
  ['monitoring.coreos.com/v1/ServiceMonitor', ServiceMonitor],
  ['monitoring.coreos.com/v1/PrometheusRule', PrometheusRule],
]);

// Kinds whose names become DNS labels or pod label values (Service DNS, job-name, namespaces).
const DNS_LABEL_KINDS = new Set(['Namespace', 'Service', 'Job']);

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** The API server's limit on a ConfigMap's data. */
export const CONFIG_MAP_LIMIT_BYTES = 1024 * 1024;

/** Every problem with one rendered object; empty when Kubernetes (and its CRDs) would accept it. */
export function validateObject(object: KubeObject, folder: string): ObjectProblem[] {
  const id = `${folder}/${object.kind}/${object.metadata?.name ?? '(unnamed)'}`;
  const problems: ObjectProblem[] = [];
  const problem = (field: string, message: string) => problems.push({ object: id, field, message });
  const Model = MODELS.get(`${object.apiVersion}/${object.kind}`);
  if (Model === undefined) {
    problem('kind', `no schema known for ${object.apiVersion} ${object.kind}`);
    return problems;
  }
  try {
    // The models' validate() checks `this` against the schema; calling it on the plain object is
    // `new Model(object).validate()` without copying every object first (a fifth of validation time).
    Model.prototype.validate.call(object);
  } catch (error) {
    const errors = (error as { errors?: { instancePath: string; message?: string; params?: Record<string, unknown> }[] }).errors;
    if (errors === undefined) throw error;
    for (const entry of errors) {
      const missing = entry.params?.missingProperty;
      const path = jsonPointerToPath(entry.instancePath) + (typeof missing === 'string' ? `${entry.instancePath === '' ? '' : '.'}${missing}` : '');
      problem(path === '' ? '(root)' : path, entry.message ?? 'is invalid');
    }
  }
  problems.push(...checkMetadata(object, id));
  if (object.kind === 'ConfigMap') {
    const bytes = Object.values((object.data ?? {}) as Record<string, string>).reduce((sum, text) => sum + Buffer.byteLength(text), 0);
    if (bytes > CONFIG_MAP_LIMIT_BYTES) problems.push({ object: id, field: 'data', message: `holds ${bytes} bytes; a ConfigMap holds at most ${CONFIG_MAP_LIMIT_BYTES}` });
  }
  return problems;
}

function checkMetadata(object: KubeObject, id: string): ObjectProblem[] {
  const problems: ObjectProblem[] = [];
  const problem = (field: string, message: string) => problems.push({ object: id, field, message });
  const { name, labels = {} } = object.metadata;
  const limit = object.kind === 'CronJob' ? CRONJOB_NAME_LIMIT : DNS_LABEL_KINDS.has(object.kind) ? DNS_LABEL_LIMIT : 253;
  const pattern = DNS_LABEL_KINDS.has(object.kind) || object.kind === 'CronJob' ? DNS_LABEL : DNS_SUBDOMAIN;
  if (name.length > limit) problem('metadata.name', `'${name}' is ${name.length} characters; a ${object.kind} name has at most ${limit}`);
  else if (!pattern.test(name)) problem('metadata.name', `'${name}' is not a valid ${object.kind} name (lower-case letters, digits and '-')`);
  for (const [key, value] of Object.entries(labels)) problems.push(...checkLabel(key, value, `metadata.labels.${key}`, id));
  return problems;
}

/** Problems with one label, by the rules of Kubernetes' label validation. */
export function checkLabel(key: string, value: string, field: string, id: string): ObjectProblem[] {
  const problems: ObjectProblem[] = [];
  const slash = key.lastIndexOf('/');
  const prefix = slash === -1 ? undefined : key.slice(0, slash);
  const name = slash === -1 ? key : key.slice(slash + 1);
  if (prefix !== undefined && (prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix))) {
    problems.push({ object: id, field, message: `label key prefix '${prefix}' must be a DNS subdomain of at most 253 characters` });
  }
  if (name.length > 63 || !LABEL_NAME.test(name)) {
    problems.push({ object: id, field, message: `label key name '${name}' must be 1-63 letters, digits, '-', '_' or '.', starting and ending alphanumeric` });
  }
  if (value.length > 63) problems.push({ object: id, field, message: `label value is ${value.length} characters; at most 63 are allowed` });
  else if (!LABEL_VALUE.test(value)) problems.push({ object: id, field, message: `label value '${value}' may hold only letters, digits, '-', '_' and '.', starting and ending alphanumeric` });
  return problems;
}

function jsonPointerToPath(pointer: string): string {
  let path = '';
  for (const raw of pointer.split('/').slice(1)) {
    const segment = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    path += /^\d+$/.test(segment) ? `[${segment}]` : `${path === '' ? '' : '.'}${segment}`;
  }
  return path;
}
