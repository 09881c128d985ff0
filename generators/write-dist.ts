/**
 * Brings `dist/` in line with a rendering: writes changed files, removes files of objects that no
 * longer exist, and leaves identical files untouched. `compareDist` answers the same question
 * without writing, for `render --check`. `ensureRendered`/`compareRendered` do the same for the
 * whole repository: `dist/` plus the files generated beside the catalog (model-card pages,
 * `.github/CODEOWNERS`).
 *
 * Synchronous file calls on purpose: thousands of small files one after another cost several
 * times more through `fs/promises` (a FileHandle and a thread-pool hop each) than through the
 * plain system calls, and nothing else runs in the process meanwhile.
 */
import { mkdirSync, readdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DOCUMENT_FOLDERS } from '../core/load/discover.js';
import { isModelCardPage } from './model-card-page.js';
import type { Rendering } from './render.js';

/** The folder of rendered manifests, relative to the repository root. */
export const DIST_FOLDER = 'dist';

/**
 * How files differ from a rendering, as sorted paths: relative to `dist/` from `compareDist` and
 * `ensureDist`, relative to the repository root from `compareRendered` and `ensureRendered`.
 */
export interface DistDifference {
  /** On disk with other content than rendered. */
  readonly stale: readonly string[];
  /** Rendered but not on disk. */
  readonly missing: readonly string[];
  /** On disk in a folder the rendering owns, but not rendered: an object that no longer exists. */
  readonly extra: readonly string[];
}

/**
 * Compares the repository at `root` with a rendering: `dist/` (as `dist/…`) and the generated
 * files beside the catalog; reads only. A generated page whose card is gone is `extra`.
 */
export async function compareRendered(root: string, rendering: Rendering): Promise<DistDifference> {
  const dist = await compareDist(path.join(root, DIST_FOLDER), rendering);
  return merge(underDist(dist), compareRepositoryFiles(root, rendering));
}

/** Writes the rendering into the repository at `root` (idempotent) and returns what it changed. */
export async function ensureRendered(root: string, rendering: Rendering): Promise<DistDifference> {
  const beside = compareRepositoryFiles(root, rendering);
  const dist = await ensureDist(path.join(root, DIST_FOLDER), rendering);
  applyDifference(root, rendering.repositoryFiles, beside);
  return merge(underDist(dist), beside);
}

/** True when `dist/` matches the rendering exactly. */
export function isInSync(difference: DistDifference): boolean {
  return difference.stale.length === 0 && difference.missing.length === 0 && difference.extra.length === 0;
}

/** Compares `distDir` with a rendering; reads only. */
export async function compareDist(distDir: string, rendering: Rendering): Promise<DistDifference> {
  const onDisk = listOwnedFiles(distDir, rendering);
  const stale: string[] = [];
  const missing: string[] = [];
  for (const [file, text] of rendering.files) {
    if (!onDisk.has(file)) missing.push(file);
    else if (readFileSync(path.join(distDir, file), 'utf8') !== text) stale.push(file);
  }
  const extra = [...onDisk].filter((file) => !rendering.files.has(file)).sort();
  return { stale, missing, extra };
}

/** Writes the rendering's `dist/` files into `distDir` (idempotent) and returns what it changed; `ensureRendered` also writes the files beside the catalog. */
export async function ensureDist(distDir: string, rendering: Rendering): Promise<DistDifference> {
  const difference = await compareDist(distDir, rendering);
  applyDifference(distDir, rendering.files, difference);
  return difference;
}

/** Writes what is missing or stale and removes what is extra, all relative to `base`. */
function applyDifference(base: string, files: ReadonlyMap<string, string>, difference: DistDifference): void {
  const made = new Set<string>();
  for (const file of [...difference.missing, ...difference.stale]) {
    const target = path.join(base, file);
    const dir = path.dirname(target);
    if (!made.has(dir)) {
      mkdirSync(dir, { recursive: true });
      made.add(dir);
    }
    // Written in place, not via a temporary file and rename: a rename cost ~0.6 ms per file here
    // (5 s for a 300-model catalog), and an interrupted render is repaired by rendering again,
    // which `render --check` in CI insists on anyway.
    writeFileSync(target, files.get(file)!);
  }
  for (const file of difference.extra) {
    rmSync(path.join(base, file), { force: true });
    removeEmptyParents(base, path.dirname(path.join(base, file)));
  }
}

/** The generated files outside `dist/`; only a complete rendering owns pages, so only it finds extra ones. */
function compareRepositoryFiles(root: string, rendering: Rendering): DistDifference {
  const stale: string[] = [];
  const missing: string[] = [];
  for (const [file, text] of rendering.repositoryFiles) {
    const current = readIfPresent(path.join(root, file));
    if (current === null) missing.push(file);
    else if (current !== text) stale.push(file);
  }
  const extra = rendering.complete ? listGeneratedPages(root).filter((file) => !rendering.repositoryFiles.has(file)) : [];
  return { stale, missing, extra };
}

/** Markdown files under the document folders that `render` wrote: recognised by their first line, so a hand-written README is never touched. */
function listGeneratedPages(root: string): string[] {
  const pages: string[] = [];
  for (const folder of DOCUMENT_FOLDERS) {
    for (const file of listFiles(path.join(root, folder))) {
      if (!file.endsWith('.md')) continue;
      const relative = path.posix.join(folder, file);
      if (isModelCardPage(readIfPresent(path.join(root, relative)) ?? '')) pages.push(relative);
    }
  }
  return pages;
}

function readIfPresent(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

function underDist(difference: DistDifference): DistDifference {
  const prefix = (files: readonly string[]) => files.map((file) => `${DIST_FOLDER}/${file}`);
  return { stale: prefix(difference.stale), missing: prefix(difference.missing), extra: prefix(difference.extra) };
}

function merge(a: DistDifference, b: DistDifference): DistDifference {
  const both = (x: readonly string[], y: readonly string[]) => [...x, ...y].sort(compareCodeUnits);
  return { stale: both(a.stale, b.stale), missing: both(a.missing, b.missing), extra: both(a.extra, b.extra) };
}

// Locale-independent order, so listings are the same on every machine.
function compareCodeUnits(a: string, b: string): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}

function listOwnedFiles(distDir: string, rendering: Rendering): Set<string> {
  const roots = rendering.complete ? [''] : rendering.folders;
  const files = new Set<string>();
  for (const root of roots) {
    for (const file of listFiles(path.join(distDir, root))) files.add(path.posix.join(root, file));
  }
  return files;
}

function listFiles(dir: string): string[] {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const files: string[] = [];
  for (const entry of entries) {
    if (entry.isDirectory()) files.push(...listFiles(path.join(dir, entry.name)).map((file) => `${entry.name}/${file}`));
    else files.push(entry.name);
  }
  return files;
}

function removeEmptyParents(base: string, dir: string): void {
  let current = dir;
  while (current.startsWith(base) && current !== base) {
    try {
      rmdirSync(current);
    } catch {
      return; // not empty (or gone): stop climbing
    }
    current = path.dirname(current);
  }
}
