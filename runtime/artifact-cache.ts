/**
 * The runtime's artifacts: fetched from the bundle's store, verified against the sha256 the card
 * carries, and kept on the pod's writable volume by digest, so a restart or a reload that keeps a
 * version never fetches it again. The cache holds only what the serving bundle uses: `retain`
 * removes the rest after each switch, which bounds it by what one bundle serves.
 */
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ArtifactStoreError, type ArtifactStore } from '../core/artifact-store/artifact-store.js';
import { resolveArtifact } from '../core/artifact-store/open-store.js';
import { ArtifactError, sha256Of } from './model-loader.js';

/** Where a fetched artifact came from. */
export type FetchedFrom = 'cache' | 'store';

/** An artifact's verified bytes. */
export interface FetchedArtifact {
  readonly bytes: Buffer;
  /** The object's full URL, for messages. */
  readonly origin: string;
  readonly from: FetchedFrom;
}

/** Fetches and caches artifacts of one store. */
export class ArtifactCache {
  /**
   * @param store the bundle's artifact store (keys resolve against it)
   * @param dir the writable cache directory; `null` keeps nothing on disk
   */
  constructor(
    readonly store: ArtifactStore,
    private readonly dir: string | null,
  ) {}

  /** The verified bytes of `uri`; throws `ArtifactError` whose `problem` says why not. */
  async fetch(uri: string, sha256: string): Promise<FetchedArtifact> {
    const { store, key } = resolveArtifact(this.store, uri);
    const origin = store.urlOf(key);
    const cached = await this.readCached(sha256);
    if (cached !== null) return { bytes: cached, origin, from: 'cache' };
    let bytes: Buffer;
    try {
      bytes = await store.get(key);
    } catch (error) {
      if (error instanceof ArtifactStoreError) throw new ArtifactError(`artifact ${error.message}`, error.failure, { cause: error });
      throw error;
    }
    const actual = sha256Of(bytes);
    if (actual !== sha256) {
      throw new ArtifactError(`artifact ${origin}: sha256 is ${actual}, the bundle expects ${sha256}; refusing to load it`, 'sha256-mismatch');
    }
    await this.writeCached(sha256, bytes);
    return { bytes, origin, from: 'store' };
  }

  /** Removes every cached artifact whose digest is not in `keep`. */
  async retain(keep: Iterable<string>): Promise<void> {
    if (this.dir === null) return;
    const wanted = new Set(keep);
    const names = await readdir(this.dir).catch(() => [] as string[]);
    await Promise.all(names.filter((name) => !wanted.has(name)).map((name) => rm(path.join(this.dir!, name), { force: true, recursive: true })));
  }

  private async readCached(sha256: string): Promise<Buffer | null> {
    if (this.dir === null) return null;
    const file = path.join(this.dir, sha256);
    const bytes = await readFile(file).catch(() => null);
    if (bytes === null) return null;
    // A disk may corrupt what it holds; a cached file is trusted only as far as its digest.
    if (sha256Of(bytes) === sha256) return bytes;
    await rm(file, { force: true });
    return null;
  }

  private async writeCached(sha256: string, bytes: Buffer): Promise<void> {
    if (this.dir === null) return;
    try {
      await mkdir(this.dir, { recursive: true });
      const partial = path.join(this.dir, `.${sha256}.${process.pid}.partial`);
      await writeFile(partial, bytes);
      await rename(partial, path.join(this.dir, sha256));
    } catch {
      // A full or read-only cache only costs a fetch on the next start; serving goes on.
    }
  }
}
