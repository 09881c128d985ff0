/** Loads the example repository with some files replaced, to test how problems are reported. */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Diagnostic } from '../../core/diagnostics.js';
import { loadCatalog, type LoadResult } from '../../core/load/load-catalog.js';
import { copyExampleRepo } from './example-repo.js';

/** File contents to write (a string or bytes), or null to delete the file. */
export type FileChanges = Readonly<Record<string, string | Buffer | null>>;

/** Loads a copy of the example repository after applying `changes`. */
export async function loadExampleWith(changes: FileChanges): Promise<LoadResult> {
  const repo = await copyExampleRepo();
  try {
    for (const [file, content] of Object.entries(changes)) {
      const target = path.join(repo.root, file);
      if (content === null) {
        await rm(target, { force: true });
      } else {
        await mkdir(path.dirname(target), { recursive: true });
        await writeFile(target, content);
      }
    }
    return await loadCatalog(repo.root);
  } finally {
    await repo.dispose();
  }
}

/** The problems of a copy of the example with `changes`; fails when it loads cleanly. */
export async function problemsWith(changes: FileChanges): Promise<readonly Diagnostic[]> {
  const result = await loadExampleWith(changes);
  if (result.ok) throw new Error('expected the repository to have problems, but it loaded');
  return result.diagnostics;
}

/** A valid document header for `kind` named `name`, to build small test documents. */
export function header(kind: string, name: string, owner = 'team-a'): string {
  return `apiVersion: slipway.dev/v1alpha1\nkind: ${kind}\nmetadata:\n  name: ${name}\n  owner: ${owner}\n`;
}
