/** Finds the files that make up a Slipway repository. */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';

/** The project file at the repository root. */
export const PROJECT_FILE = 'slipway.yaml';

/** Folders whose YAML files are documents. */
export const DOCUMENT_FOLDERS = ['catalog', 'environments', 'policies'] as const;

/** Repository-relative paths (with `/`) of every document file, sorted, the project file first. */
export async function listDocumentFiles(root: string): Promise<string[]> {
  const files: string[] = [];
  for (const folder of DOCUMENT_FOLDERS) {
    files.push(...(await listYamlFiles(root, folder)));
  }
  files.sort();
  return [PROJECT_FILE, ...files];
}

async function listYamlFiles(root: string, relativeFolder: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(path.join(root, relativeFolder), { withFileTypes: true });
  } catch (error) {
    if (isMissing(error)) return [];
    throw new Error(`listing ${relativeFolder}/`, { cause: error });
  }
  const found: string[] = [];
  for (const entry of entries) {
    const relative = `${relativeFolder}/${entry.name}`;
    if (entry.isDirectory()) found.push(...(await listYamlFiles(root, relative)));
    else if (entry.isFile() && /\.ya?ml$/.test(entry.name)) found.push(relative);
  }
  return found;
}

/** True when the repository root exists and is a directory. */
export async function isDirectory(candidate: string): Promise<boolean> {
  try {
    return (await stat(candidate)).isDirectory();
  } catch {
    return false;
  }
}

/** True for "no such file" errors. */
export function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}
