/**
 * The Kubernetes API shapes the harness reads, from kubernetes-models (types only), under short
 * names. A rendered object is plain JSON; `parsePodSpec` checks it against the official schema,
 * as the API server would before any kubelet saw it.
 */
import type { ModelData } from '@kubernetes-models/base';
import { PodSpec as PodSpecModel, type IPodSpec as PodSpec } from 'kubernetes-models/v1/PodSpec';
import { InvalidSpecError } from './errors.js';

export type { PodSpec };
export type { IContainer as Container } from 'kubernetes-models/v1/Container';
export type { IVolume as Volume } from 'kubernetes-models/v1/Volume';
export type { IVolumeMount as VolumeMount } from 'kubernetes-models/v1/VolumeMount';
export type { IProbe as Probe } from 'kubernetes-models/v1/Probe';
export type { ILifecycleHandler as LifecycleHandler } from 'kubernetes-models/v1/LifecycleHandler';
export type { IHTTPGetAction as HTTPGetAction } from 'kubernetes-models/v1/HTTPGetAction';
export type { IKeyToPath as KeyToPath } from 'kubernetes-models/v1/KeyToPath';
export type { IDownwardAPIVolumeFile as DownwardAPIVolumeFile } from 'kubernetes-models/v1/DownwardAPIVolumeFile';

/** ConfigMap or Secret data by object name: the values as text (a Secret's decoded `data`, i.e. `stringData`). */
export type ObjectData = ReadonlyMap<string, Readonly<Record<string, string>>>;

/** The PodSpec, after the API server's schema validation; throws InvalidSpecError listing what it would reject. */
export function parsePodSpec(value: unknown, what: string): PodSpec {
  if (typeof value !== 'object' || value === null) throw new InvalidSpecError(`${what}: a PodSpec must be an object`);
  try {
    // The model copies the data and only validates; the harness keeps reading the plain object.
    new PodSpecModel(value as ModelData<PodSpec>).validate();
  } catch (cause) {
    throw new InvalidSpecError(`${what}: the API server would reject this PodSpec: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
  return value as PodSpec;
}
