/**
 * The rendered output a test runs: every object of a `dist/<env>/` folder and of its `jobs/`
 * folder (what the environment's two Argo CD Applications sync), and the pod template of a
 * Deployment, Job or CronJob, which is what the kubelet ends up running.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { parsePodSpec, type PodSpec } from './spec.js';

/** A rendered Kubernetes object as plain JSON. */
export interface RenderedObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly labels?: Record<string, string>; readonly annotations?: Record<string, string> };
  readonly [field: string]: unknown;
}

/** The objects of one rendered environment. */
export interface RenderedEnvironment {
  readonly objects: readonly RenderedObject[];
  /** The object of that kind and name; null when there is none. */
  find(kind: string, name: string): RenderedObject | null;
}

/** A pod template's labels and annotations (for runPod's downward API options). */
export interface PodTemplateMetadata {
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
}

/** Reads every `*.yaml` of `dir` and of `dir/jobs` (multi-document files too), in file name order. */
export async function loadRendered(dir: string): Promise<RenderedEnvironment> {
  const jobs = await readdir(path.join(dir, 'jobs')).catch(() => [] as string[]);
  const files = [...(await readdir(dir)), ...jobs.map((file) => path.join('jobs', file))].filter((file) => file.endsWith('.yaml')).sort();
  const objects: RenderedObject[] = [];
  for (const file of files) {
    const text = await readFile(path.join(dir, file), 'utf8');
    for (const [index, document] of parseAllDocuments(text).entries()) {
      if (document.errors.length > 0) throw new Error(`${file}: document ${index + 1}: ${document.errors[0].message}`);
      const value: unknown = document.toJS();
      if (value === null || value === undefined) continue;
      if (!isObject(value)) throw new Error(`${file}: document ${index + 1} is not a Kubernetes object (no kind, apiVersion or metadata.name)`);
      objects.push(value);
    }
  }
  return {
    objects,
    find: (kind, name) => objects.find((object) => object.kind === kind && object.metadata.name === name) ?? null,
  };
}

/** The PodSpec of a Deployment or Job (spec.template) or CronJob (spec.jobTemplate.spec.template), schema-checked. */
export function podTemplateOf(object: RenderedObject): PodSpec {
  return parsePodSpec(templateOf(object).spec, `${object.kind}/${object.metadata.name}`);
}

/** The pod template's labels and annotations. */
export function podMetadataOf(object: RenderedObject): PodTemplateMetadata {
  const metadata = templateOf(object).metadata;
  return { labels: metadata?.labels ?? {}, annotations: metadata?.annotations ?? {} };
}

interface Template {
  readonly spec?: unknown;
  readonly metadata?: { readonly labels?: Record<string, string>; readonly annotations?: Record<string, string> };
}

function templateOf(object: RenderedObject): Template {
  const spec = object.spec as { template?: Template; jobTemplate?: { spec?: { template?: Template } } } | undefined;
  const template = object.kind === 'CronJob' ? spec?.jobTemplate?.spec?.template : object.kind === 'Deployment' || object.kind === 'Job' ? spec?.template : undefined;
  if (template === undefined || typeof template !== 'object' || template === null || template.spec === undefined) {
    throw new Error(`${object.kind}/${object.metadata.name} has no pod template (expected a Deployment, Job or CronJob)`);
  }
  return template;
}

function isObject(value: unknown): value is RenderedObject {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as { apiVersion?: unknown; kind?: unknown; metadata?: { name?: unknown } };
  return typeof candidate.apiVersion === 'string' && typeof candidate.kind === 'string' && typeof candidate.metadata?.name === 'string';
}
