/**
 * Which model versions each environment has ever deployed, read from the Git history of its
 * environment file: the evidence for the "promoted through" guardrail.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import type { Catalog } from '../catalog.js';

const run = promisify(execFile);

/** How many commits of one environment file are read at most; older history is not consulted. */
export const MAX_COMMITS_PER_FILE = 500;

/** `<model>@<version>` pairs ever deployed (stable or canary) per environment name. */
export type ServedVersions = ReadonlyMap<string, ReadonlySet<string>>;

/** The key of one served model version. */
export function servedKey(model: string, version: string): string {
  return `${model}@${version}`;
}

/**
 * What each environment serves now, plus what earlier commits of its file deployed. Outside a Git
 * repository (or without git) only the current state counts.
 */
export async function readServedVersions(catalog: Catalog): Promise<ServedVersions> {
  const served = new Map<string, Set<string>>();
  for (const env of catalog.environments.values()) {
    const versions = new Set<string>();
    for (const deployment of env.deployments) {
      versions.add(servedKey(deployment.model, deployment.stable));
      if (deployment.canary !== undefined) versions.add(servedKey(deployment.model, deployment.canary.version));
    }
    for (const text of await historicalTexts(catalog.root, env.declaredAt.file)) {
      for (const key of deployedIn(text, env.name)) versions.add(key);
    }
    served.set(env.name, versions);
  }
  return served;
}

async function historicalTexts(root: string, file: string): Promise<string[]> {
  let commits: string[];
  try {
    const log = await run('git', ['-C', root, 'log', `--max-count=${MAX_COMMITS_PER_FILE}`, '--format=%H', '--', file]);
    commits = log.stdout.split('\n').filter(Boolean);
  } catch {
    return []; // not a Git repository, or no git: the current state is all there is
  }
  const texts: string[] = [];
  for (const commit of commits) {
    try {
      texts.push((await run('git', ['-C', root, 'show', `${commit}:${file}`], { maxBuffer: 16 * 1024 * 1024 })).stdout);
    } catch {
      // The file did not exist under this name at that commit (a rename): nothing served from it.
    }
  }
  return texts;
}

// Old revisions may not match today's schema; read only what is recognisably a deployment.
function deployedIn(text: string, environment: string): string[] {
  const keys: string[] = [];
  for (const document of parseAllDocuments(text)) {
    const value = document.toJS({ maxAliasCount: 50 }) as { kind?: unknown; metadata?: { name?: unknown }; spec?: { deployments?: unknown } } | null;
    if (value?.kind !== 'Environment' || value.metadata?.name !== environment || !Array.isArray(value.spec?.deployments)) continue;
    for (const deployment of value.spec.deployments as { model?: unknown; stable?: unknown; canary?: { version?: unknown } }[]) {
      if (typeof deployment?.model !== 'string') continue;
      if (typeof deployment.stable === 'string') keys.push(servedKey(deployment.model, deployment.stable));
      if (typeof deployment.canary?.version === 'string') keys.push(servedKey(deployment.model, deployment.canary.version));
    }
  }
  return keys;
}
