/**
 * When did a deployment reach its current state? Read from Git: the commits on the base that
 * touched an environment file, each parsed, newest first. Git is the record of what was merged,
 * so the times are those of the merges, not of a cluster that may lag behind.
 */
import { parseAllDocuments } from 'yaml';
import type { Environment } from '../../core/catalog.js';
import type { Workspace } from '../git/workspace.js';

/** One deployment's state in one commit. */
interface DeploymentState {
  readonly timeMs: number;
  readonly stable?: string;
  readonly canary?: string;
}

/** What the history says about one deployment. */
export interface DeploymentHistory {
  /** Since when the current stable version has been stable here (ms epoch); `null` when unknown. */
  readonly stableSinceMs: number | null;
  /** The stable version before the current one, if the history shows one. */
  readonly previousStable: string | null;
  /** Since when the current canary version and weight have been set; `null` without a canary. */
  readonly canaryStepSinceMs: number | null;
}

/** Reads deployment histories of one base commit, caching each environment file's commits. */
export class DeploymentHistories {
  private readonly files = new Map<string, Promise<{ timeMs: number; text: string | null }[]>>();

  constructor(
    private readonly workspace: Workspace,
    private readonly baseSha: string,
  ) {}

  /** The history of `model` in `env`. */
  async of(env: Environment, model: string): Promise<DeploymentHistory> {
    const states = (await this.versions(env.declaredAt.file)).map(({ timeMs, text }) => ({ timeMs, ...stateIn(text, env.name, model) }));
    return { ...stableRun(states), canaryStepSinceMs: canaryRun(states) };
  }

  private versions(file: string): Promise<{ timeMs: number; text: string | null }[]> {
    let cached = this.files.get(file);
    if (cached === undefined) {
      cached = (async () => {
        const commits = await this.workspace.commitsTouching(this.baseSha, file);
        return Promise.all(commits.map(async (commit) => ({ timeMs: commit.timeMs, text: await this.workspace.showFile(commit.sha, file) })));
      })();
      this.files.set(file, cached);
    }
    return cached;
  }
}

function stateIn(text: string | null, envName: string, model: string): { stable?: string; canary?: string } {
  if (text === null) return {};
  try {
    for (const document of parseAllDocuments(text)) {
      const value = document.toJS() as { kind?: string; metadata?: { name?: string }; spec?: { deployments?: { model?: string; stable?: string; canary?: { version?: string; weight?: number } }[] } } | null;
      if (value?.kind !== 'Environment' || value.metadata?.name !== envName) continue;
      const deployment = value.spec?.deployments?.find((candidate) => candidate.model === model);
      if (deployment === undefined) return {};
      return {
        stable: deployment.stable === undefined ? undefined : String(deployment.stable),
        canary: deployment.canary === undefined ? undefined : `${deployment.canary.version}@${deployment.canary.weight}`,
      };
    }
  } catch {
    // A commit with a broken file says nothing about the deployment.
  }
  return {};
}

function stableRun(states: readonly DeploymentState[]): { stableSinceMs: number | null; previousStable: string | null } {
  if (states.length === 0 || states[0].stable === undefined) return { stableSinceMs: null, previousStable: null };
  const current = states[0].stable;
  let since = states[0].timeMs;
  for (const state of states.slice(1)) {
    if (state.stable !== current) return { stableSinceMs: since, previousStable: state.stable ?? null };
    since = state.timeMs;
  }
  return { stableSinceMs: since, previousStable: null };
}

function canaryRun(states: readonly DeploymentState[]): number | null {
  if (states.length === 0 || states[0].canary === undefined) return null;
  const current = states[0].canary;
  let since = states[0].timeMs;
  for (const state of states.slice(1)) {
    if (state.canary !== current) return since;
    since = state.timeMs;
  }
  return since;
}
