/**
 * Brings `dist/` in line with a rendering: writes changed files, removes files of objects that no
 * longer exist, and leaves identical files untouched. `compareDist` answers the same question
 * without writing, for `render --check`.
 */
import { mkdir, readdir, readFile, rename, rm, rmdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Rendering } from './render.js';

/** How `dist/` differs from a rendering, as paths relative to `dist/`, sorted. */
export interface DistDifference {
  /** On disk with other content than rendered. */
  readonly stale: readonly string[];
  /** Rendered but not on disk. */
  readonly missing: readonly string[];
  /** On disk in a folder the rendering owns, but not rendered: an object that no longer exists. */
  readonly extra: readonly string[];
}

/** True when `dist/` matches the rendering exactly. */
export function isInSync(difference: DistDifference): boolean {
  return difference.stale.length === 0 && difference.missing.length === 0 && difference.extra.length === 0;
}

/** Compares `distDir` with a rendering; reads only. */
export async function compareDist(distDir: string, rendering: Rendering): Promise<DistDifference> {
  const onDisk = await listOwnedFiles(distDir, rendering);
  const stale: string[] = [];
  const missing: string[] = [];
  for (const [file, text] of rendering.files) {
    if (!onDisk.has(file)) missing.push(file);
    else if ((await readFile(path.join(distDir, file), 'utf8')) !== text) stale.push(file);
  }
  const extra = [...onDisk].filter((file) => !rendering.files.has(file)).sort();
  return { stale, missing, extra };
}

/** Writes the rendering into `distDir` (idempotent) and returns what it changed. */
export async function ensureDist(distDir: string, rendering: Rendering): Promise<DistDifference> {
  const difference = await compareDist(distDir, rendering);
  for (const file of [...difference.missing, ...difference.stale]) {
    const target = path.join(distDir, file);
    await mkdir(path.dirname(target), { recursive: true });
    // Write then rename, so that an interrupted render never leaves half a manifest behind.
    const temporary = `${target}.slipway-tmp`;
    await writeFile(temporary, rendering.files.get(file)!);
    await rename(temporary, target);
  }
  for (const file of difference.extra) {
    await rm(path.join(distDir, file), { force: true });
    await removeEmptyParents(distDir, path.dirname(path.join(distDir, file)));
  }
  return difference;
}

async function listOwnedFiles(distDir: string, rendering: Rendering): Promise<Set<string>> {
  const roots = rendering.complete ? [''] : rendering.folders;
  const files = new Set<string>();
  for (const root of roots) {
    for (const file of await listFiles(path.join(distDir, root))) files.add(path.posix.join(root, file));
  }
  return files;
}

async function listFiles(dir: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const files: string[] = [];
  for (const entry of entries) {
    if (entry.isDirectory()) files.push(...(await listFiles(path.join(dir, entry.name))).map((file) => `${entry.name}/${file}`));
    else files.push(entry.name);
  }
  return files;
}

async function removeEmptyParents(distDir: string, dir: string): Promise<void> {
  let current = dir;
  while (current.startsWith(distDir) && current !== distDir) {
    try {
      await rmdir(current);
    } catch {
      return; // not empty (or gone): stop climbing
    }
    current = path.dirname(current);
  }
}
