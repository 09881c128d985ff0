/**
 * Reads training results: from the artifact store, where `slipway train` and `slipway publish`
 * put them (`<model>/<version>/training-result.json`), and from a local directory (flat `*.json`
 * files, or the store's layout as `train --out DIR` writes it). A result that does not parse is
 * reported, never fatal: one bad file must not block the others.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { ArtifactStoreError, type ArtifactStore, RESULT_FILE } from '../../core/artifact-store/artifact-store.js';
import type { Catalog } from '../../core/catalog.js';
import { parseTrainingResult } from '../../core/training-result.js';
import type { ResultEvidence } from '../proposals/retrain-result.js';

/** Results that parsed, and one message per file that did not. */
export interface ResultsRead {
  readonly results: readonly ResultEvidence[];
  readonly problems: readonly string[];
}

/**
 * Every result in `store` of a model the catalog has, for a version the card does not have yet.
 * Listing is per model prefix, so a bucket full of other objects costs nothing, and versions the
 * card already carries are never downloaded again.
 */
export async function readStoreResults(store: ArtifactStore, catalog: Catalog): Promise<ResultsRead> {
  const results: ResultEvidence[] = [];
  const problems: string[] = [];
  for (const card of [...catalog.models.values()].sort((a, b) => a.name.localeCompare(b.name))) {
    let keys: string[];
    try {
      keys = await store.list(`${card.name}/`);
    } catch (error) {
      problems.push(`listing training results: ${(error as Error).message}`);
      continue;
    }
    for (const key of keys) {
      const [, version, file, ...rest] = key.split('/');
      if (file !== RESULT_FILE || rest.length > 0 || version === undefined || card.versions.has(version)) continue;
      const origin = store.urlOf(key);
      try {
        const result = parseTrainingResult(JSON.parse((await store.get(key)).toString('utf8')) as unknown, origin);
        if (result.model !== card.name || result.candidateVersion !== version) {
          problems.push(`${origin}: holds a result of ${result.model} ${result.candidateVersion}, not of ${card.name} ${version}; ignored`);
          continue;
        }
        results.push({ result, origin: `training result ${origin}` });
      } catch (error) {
        problems.push(describe(error, origin));
      }
    }
  }
  return { results, problems };
}

/**
 * Reads every `*.json` directly under `dir` and every `<model>/<version>/training-result.json`
 * below it, in path order. A missing directory is empty.
 */
export async function readTrainingResults(dir: string): Promise<ResultsRead> {
  let names: string[];
  try {
    names = await resultFiles(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { results: [], problems: [] };
    throw new Error(`reading training results in ${dir}`, { cause: error });
  }
  const results: ResultEvidence[] = [];
  const problems: string[] = [];
  for (const name of names) {
    try {
      const result = parseTrainingResult(JSON.parse(await readFile(path.join(dir, name), 'utf8')) as unknown, name);
      results.push({ result, origin: `training result ${name}` });
    } catch (error) {
      problems.push(describe(error, name));
    }
  }
  return { results, problems };
}

async function resultFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true });
  return entries
    .map((entry) => entry.split(path.sep).join('/'))
    .filter((entry) => {
      const parts = entry.split('/');
      return (parts.length === 1 && entry.endsWith('.json')) || (parts.length === 3 && parts[2] === RESULT_FILE);
    })
    .sort();
}

function describe(error: unknown, origin: string): string {
  if (error instanceof SyntaxError) return `${origin}: not JSON: ${error.message}`;
  if (error instanceof ArtifactStoreError) return error.message;
  return (error as Error).message;
}
