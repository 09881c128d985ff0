/**
 * Reads training results (`*.json`, written by `slipway train`) from a directory. A file that is
 * not a valid result is reported, never fatal: one bad file must not block the others.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseTrainingResult } from '../../core/training-result.js';
import type { ResultEvidence } from '../proposals/retrain-result.js';

/** Results that parsed, and one message per file that did not. */
export interface ResultsRead {
  readonly results: readonly ResultEvidence[];
  readonly problems: readonly string[];
}

/** Reads every `*.json` under `dir` (not recursive), in file-name order. A missing directory is empty. */
export async function readTrainingResults(dir: string): Promise<ResultsRead> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((name) => name.endsWith('.json')).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { results: [], problems: [] };
    throw new Error(`reading training results in ${dir}`, { cause: error });
  }
  const results: ResultEvidence[] = [];
  const problems: string[] = [];
  for (const name of names) {
    const file = path.join(dir, name);
    try {
      const result = parseTrainingResult(JSON.parse(await readFile(file, 'utf8')) as unknown, name);
      results.push({ result, origin: `training result ${name}` });
    } catch (error) {
      problems.push(error instanceof SyntaxError ? `${name}: not JSON: ${error.message}` : (error as Error).message);
    }
  }
  return { results, problems };
}
