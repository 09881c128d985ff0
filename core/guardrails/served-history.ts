/**
 * Which model versions each environment has ever deployed, read from the Git history of its
 * environment file: the evidence for the "promoted through" guardrail.
 */
import { execFile, spawn } from 'node:child_process';
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
  if (commits.length === 0) return [];
  // One `git cat-file --batch` for every revision, not one `git show` process each.
  const batch = await runWithInput('git', ['-C', root, 'cat-file', '--batch'], commits.map((commit) => `${commit}:${file}\n`).join(''));
  return parseBatch(batch);
}

/** Runs a command with `input` on its stdin and returns its stdout as bytes. */
function runWithInput(command: string, args: readonly string[], input: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'ignore'] });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(Buffer.concat(chunks)) : reject(new Error(`${command} ${args.join(' ')} exited ${code}`))));
    child.stdin.end(input);
  });
}

/**
 * The blobs of a `git cat-file --batch` answer: `<oid> blob <size>` then the bytes and a newline
 * per object; `<name> missing` where the file did not exist under this name (a rename).
 */
function parseBatch(output: Buffer): string[] {
  const texts: string[] = [];
  let at = 0;
  while (at < output.length) {
    const lineEnd = output.indexOf(0x0a, at);
    if (lineEnd === -1) break;
    const header = output.subarray(at, lineEnd).toString('utf8').split(' ');
    at = lineEnd + 1;
    if (header.length !== 3) continue; // `<name> missing`
    const size = Number(header[2]);
    if (header[1] === 'blob') texts.push(output.subarray(at, at + size).toString('utf8'));
    at += size + 1;
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
