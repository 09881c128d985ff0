/** Copies of the example repository that a test may change freely. */
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The project root (tests run from `build/test/...`). */
export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

const REPOSITORY_PARTS = ['slipway.yaml', 'catalog', 'environments', 'policies', 'models', 'dist', '.github'] as const;

/** A temporary copy of the example repository; `dispose()` removes it. */
export async function copyExampleRepo(): Promise<{ root: string; dispose: () => Promise<void> }> {
  const root = await mkdtemp(path.join(tmpdir(), 'slipway-repo-'));
  for (const part of REPOSITORY_PARTS) {
    await cp(path.join(PROJECT_ROOT, part), path.join(root, part), { recursive: true }).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
  }
  return { root, dispose: () => rm(root, { recursive: true, force: true }) };
}
