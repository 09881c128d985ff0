/**
 * The kubelet's AtomicWriter (pkg/volume/util/atomic_writer.go), which lays out ConfigMap, Secret,
 * downwardAPI and projected volumes: the payload goes into a fresh `..YYYY_MM_DD_hh_mm_ss.N`
 * directory, a `..data` symlink points at it and is swapped by rename, and every top-level entry is
 * a symlink `name -> ..data/name`. Readers that open through `..data` never see a half-written set.
 */
import { randomInt } from 'node:crypto';
import { chmod, lstat, mkdir, readdir, readFile, readlink, rename, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** One file of a projected volume. */
export interface PayloadFile {
  readonly content: string | Buffer;
  /** File mode, e.g. 0o644. */
  readonly mode: number;
}

/** Relative path (may contain '/') → file. */
export type Payload = ReadonlyMap<string, PayloadFile>;

const DATA_DIR = '..data';
const DATA_DIR_TMP = '..data_tmp';

/** Writes `payload` into `targetDir` the kubelet's way; idempotent (an identical payload changes nothing). */
export async function writeAtomically(targetDir: string, payload: Payload): Promise<void> {
  for (const relative of payload.keys()) validatePath(relative);
  const oldTsName = await currentTimestampDir(targetDir);
  const oldPaths = oldTsName === null ? new Set<string>() : new Set(await listFiles(path.join(targetDir, oldTsName)));
  if (oldTsName !== null && (await sameContent(path.join(targetDir, oldTsName), oldPaths, payload))) return;

  const tsDir = await newTimestampDir(targetDir);
  for (const [relative, file] of payload) {
    const full = path.join(tsDir, relative);
    await mkdir(path.dirname(full), { recursive: true });
    await writeFile(full, file.content, { mode: file.mode });
    await chmod(full, file.mode); // regardless of the umask
  }
  await rm(path.join(targetDir, DATA_DIR_TMP), { force: true });
  await symlink(path.basename(tsDir), path.join(targetDir, DATA_DIR_TMP));
  await rename(path.join(targetDir, DATA_DIR_TMP), path.join(targetDir, DATA_DIR));

  const newTopLevel = new Set([...payload.keys()].map(topLevel));
  for (const name of newTopLevel) {
    const visible = path.join(targetDir, name);
    const exists = await lstat(visible).then(() => true, () => false);
    if (!exists) await symlink(path.join(DATA_DIR, name), visible);
  }
  for (const name of new Set([...oldPaths].map(topLevel))) {
    if (!newTopLevel.has(name)) await rm(path.join(targetDir, name), { force: true });
  }
  if (oldTsName !== null) await rm(path.join(targetDir, oldTsName), { recursive: true, force: true });
}

/** Go's MkdirTemp(dir, "..2006_01_02_15_04_05.") with the kubelet's chmod 0755. */
async function newTimestampDir(targetDir: string): Promise<string> {
  const now = new Date();
  const pad = (value: number) => String(value).padStart(2, '0');
  const stamp = `..${now.getUTCFullYear()}_${pad(now.getUTCMonth() + 1)}_${pad(now.getUTCDate())}_${pad(now.getUTCHours())}_${pad(now.getUTCMinutes())}_${pad(now.getUTCSeconds())}.`;
  for (;;) {
    const candidate = path.join(targetDir, `${stamp}${randomInt(1, 2 ** 31)}`);
    const created = await mkdir(candidate, { mode: 0o700 }).then(() => true, (error: NodeJS.ErrnoException) => {
      if (error.code === 'EEXIST') return false;
      throw error;
    });
    if (!created) continue;
    await chmod(candidate, 0o755);
    return candidate;
  }
}

async function currentTimestampDir(targetDir: string): Promise<string | null> {
  return readlink(path.join(targetDir, DATA_DIR)).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return null;
    throw error;
  });
}

async function listFiles(directory: string, prefix = ''): Promise<string[]> {
  const entries = await readdir(path.join(directory, prefix), { withFileTypes: true });
  const files: string[] = [];
  for (const entry of entries) {
    const relative = path.join(prefix, entry.name);
    if (entry.isDirectory()) files.push(...(await listFiles(directory, relative)));
    else files.push(relative);
  }
  return files;
}

async function sameContent(tsDir: string, oldPaths: ReadonlySet<string>, payload: Payload): Promise<boolean> {
  if (oldPaths.size !== payload.size) return false;
  for (const [relative, file] of payload) {
    if (!oldPaths.has(relative)) return false;
    // Like the kubelet, compare content only: fsGroup has changed the modes on disk.
    const content = await readFile(path.join(tsDir, relative));
    if (!content.equals(Buffer.from(file.content))) return false;
  }
  return true;
}

/** The kubelet's validatePath: relative, no '..' element, not starting with '..'. */
function validatePath(relative: string): void {
  if (relative === '' || path.isAbsolute(relative) || relative.startsWith('..') || relative.split('/').includes('..') || relative.length > 4096) {
    throw new Error(`invalid path in volume payload: '${relative}'`);
  }
}

function topLevel(relative: string): string {
  return relative.split('/')[0];
}
