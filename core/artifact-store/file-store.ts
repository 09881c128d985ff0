/**
 * An artifact store in a local directory: the embedded default (`models/` in the repository) and
 * any mounted volume. Writes are atomic and exclusive: the bytes go to a temporary file first and
 * `link()` puts it in place only if the key is still free.
 */
import { randomBytes } from 'node:crypto';
import { link, mkdir, open, readdir, readFile, unlink } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  type ArtifactStore,
  ArtifactStoreError,
  checkKey,
  checkPrefix,
  conflictError,
  missingError,
  type PutOutcome,
  sha256Hex,
  writeWhole,
} from './artifact-store.js';

// Temporary files end with this; `list` skips them, so a crashed writer's leftover is never a key.
const PARTIAL_SUFFIX = '.slipway-partial';

/** A directory of objects, one file per key. */
export class FileStore implements ArtifactStore {
  /** The directory's `file://` URL. */
  readonly url: string;
  /** The directory's absolute path. */
  readonly directory: string;

  /** Opens `directory` (resolved against the working directory when relative); nothing is created yet. */
  constructor(directory: string) {
    this.directory = path.resolve(directory);
    this.url = pathToFileURL(this.directory).href;
  }

  /** The object's `file://` URL. */
  urlOf(key: string): string {
    return pathToFileURL(this.pathOf(key)).href;
  }

  /** The key of a `file://` URL inside this directory, or `null` when it is elsewhere. */
  keyOf(url: string): string | null {
    if (!/^file:\/\//i.test(url)) return null;
    const relative = path.relative(this.directory, fileURLToPath(url));
    if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative)) return null;
    return relative.split(path.sep).join('/');
  }

  /** Reads the object's file. */
  async get(key: string): Promise<Buffer> {
    checkKey(key, this.url);
    const existing = await this.read(key);
    if (existing === null) throw missingError(this.urlOf(key));
    return existing;
  }

  /** Streams the object's file into `file`; see `ArtifactStore.download`. */
  async download(key: string, file: string): Promise<void> {
    checkKey(key, this.url);
    let source;
    try {
      source = await open(this.pathOf(key), 'r');
    } catch (error) {
      if (isAbsent(error)) throw missingError(this.urlOf(key));
      throw this.failure(key, 'reading', error);
    }
    try {
      const { size } = await source.stat();
      await writeWhole(source.createReadStream({ autoClose: false }), size, this.urlOf(key), file);
    } finally {
      await source.close();
    }
  }

  /** Writes the object unless the file exists; see `ArtifactStore.putImmutable`. */
  async putImmutable(key: string, bytes: Uint8Array): Promise<PutOutcome> {
    checkKey(key, this.url);
    const existing = await this.read(key);
    if (existing !== null) return this.compare(key, existing, bytes);
    const won = await this.writeExclusive(key, bytes);
    if (won) return 'written';
    // Another writer linked its file between our read and our link: judge against what it wrote.
    return this.compare(key, await this.get(key), bytes);
  }

  /** Every key under `prefix`, sorted; an absent folder lists nothing. */
  async list(prefix: string): Promise<string[]> {
    checkPrefix(prefix, this.url);
    const keys = await this.walk(prefix.replace(/\/$/, ''));
    return keys.sort();
  }

  private pathOf(key: string): string {
    return path.join(this.directory, ...key.split('/'));
  }

  /** The object's bytes, or `null` when there is no file at its key. */
  private async read(key: string): Promise<Buffer | null> {
    try {
      return await readFile(this.pathOf(key));
    } catch (error) {
      if (isAbsent(error)) return null;
      throw this.failure(key, 'reading', error);
    }
  }

  private compare(key: string, stored: Buffer, offered: Uint8Array): PutOutcome {
    if (stored.equals(offered)) return 'unchanged';
    throw conflictError(this.urlOf(key), sha256Hex(stored), sha256Hex(offered));
  }

  /**
   * Writes `bytes` to a temporary file beside the target, flushes it, then links it to the key.
   * `link()` fails with EEXIST rather than replace a file (unlike `rename()`), so of two writers
   * exactly one wins, and readers only ever see the finished file. Returns whether we won.
   */
  private async writeExclusive(key: string, bytes: Uint8Array): Promise<boolean> {
    const target = this.pathOf(key);
    const temporary = `${target}.${randomBytes(8).toString('hex')}${PARTIAL_SUFFIX}`;
    try {
      await mkdir(path.dirname(target), { recursive: true });
      const handle = await open(temporary, 'wx');
      try {
        await handle.writeFile(bytes);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await link(temporary, target);
      return true;
    } catch (error) {
      if (hasCode(error, 'EEXIST')) return false;
      throw this.failure(key, 'writing', error);
    } finally {
      await unlink(temporary).catch(() => undefined);
    }
  }

  /** Keys of the files under the folder `relative` (`''` for the root), recursively. */
  private async walk(relative: string): Promise<string[]> {
    let entries;
    try {
      entries = await readdir(relative === '' ? this.directory : this.pathOf(relative), { withFileTypes: true });
    } catch (error) {
      if (isAbsent(error)) return [];
      throw this.failure(relative, 'listing', error);
    }
    const keys: string[] = [];
    for (const entry of entries) {
      const key = relative === '' ? entry.name : `${relative}/${entry.name}`;
      if (entry.isDirectory()) keys.push(...(await this.walk(key)));
      else if (entry.isFile() && !entry.name.endsWith(PARTIAL_SUFFIX)) keys.push(key);
    }
    return keys;
  }

  private failure(key: string, doing: string, error: unknown): ArtifactStoreError {
    const url = key === '' ? this.url : this.urlOf(key);
    const reason = error instanceof Error ? error.message : String(error);
    if (hasCode(error, 'EACCES') || hasCode(error, 'EPERM')) {
      return new ArtifactStoreError('denied', url, `${doing} was refused (${reason}); check the directory's owner and mode`, { cause: error });
    }
    // EIO, ESTALE on NFS, ENOSPC…: the volume's trouble, which may pass.
    return new ArtifactStoreError('unreachable', url, `${doing} failed (${reason})`, { cause: error });
  }
}

// A key whose path crosses a file, or names a folder, has no object either.
function isAbsent(error: unknown): boolean {
  return hasCode(error, 'ENOENT') || hasCode(error, 'ENOTDIR') || hasCode(error, 'EISDIR');
}

function hasCode(error: unknown, code: string): boolean {
  return error instanceof Error && (error as NodeJS.ErrnoException).code === code;
}
