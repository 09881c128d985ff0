/** Small look-ups the proposal functions share: where a deployment is declared, and how to edit it. */
import type { Catalog, Deployment, Environment, ModelCard } from '../../core/catalog.js';
import type { YamlEdit } from './proposal.js';

/** The index of `model`'s deployment in `env`, or -1. */
export function deploymentIndex(env: Environment, model: string): number {
  return env.deployments.findIndex((deployment) => deployment.model === model);
}

/** An edit of one field of `model`'s deployment in `env`. */
export function deploymentEdit(env: Environment, model: string, op: YamlEdit['op'], field: readonly (string | number)[], value?: unknown): YamlEdit {
  const index = deploymentIndex(env, model);
  if (index === -1) throw new Error(`environment '${env.name}' does not deploy '${model}'`);
  return { file: env.declaredAt.file, kind: 'Environment', name: env.name, op, path: ['spec', 'deployments', index, ...field], value };
}

/** An edit of a model card's spec. */
export function cardEdit(card: ModelCard, op: YamlEdit['op'], field: readonly (string | number)[], value?: unknown): YamlEdit {
  return { file: card.declaredAt.file, kind: 'ModelCard', name: card.name, op, path: ['spec', ...field], value };
}

/** The first environments of the promotion chain (those promoting from nobody), by name. */
export function firstEnvironments(catalog: Catalog): Environment[] {
  return [...catalog.environments.values()].filter((env) => env.promotesFrom === undefined).sort((a, b) => a.name.localeCompare(b.name));
}

/** Versions serving in `deployment` (stable, canary, shadow). */
export function servingVersions(deployment: Deployment): string[] {
  return [deployment.stable, deployment.canary?.version, deployment.shadow?.version].filter((version): version is string => version !== undefined);
}

/** Formats a number for a PR table. */
export function figure(value: number | null | undefined, unit = ''): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return 'no data';
  const rounded = Math.abs(value) >= 100 ? value.toFixed(0) : Math.abs(value) >= 1 ? value.toFixed(2) : value.toPrecision(3);
  return `${Number(rounded)}${unit}`;
}
