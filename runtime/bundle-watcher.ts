/**
 * Watches the bundle file (a mounted ConfigMap) and hands each changed, valid bundle to the
 * registry. Kubernetes updates a ConfigMap by swapping a symlink, which `fs.watch` on the file
 * does not always see, so the watcher polls the content (a few KB) and also reacts to directory
 * events at once. An unreadable or invalid file is logged and the current bundle keeps serving.
 */
import { createHash } from 'node:crypto';
import { type FSWatcher, watch } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseBundle, type RuntimeBundle } from '../core/bundle.js';
import type { Logger } from './log.js';

/** Reads and checks a bundle file; throws naming the file and field. */
export async function readBundleFile(file: string): Promise<{ bundle: RuntimeBundle; digest: string }> {
  const text = await readFile(file, 'utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`${file}: not valid JSON (${(error as Error).message})`);
  }
  return { bundle: parseBundle(json, file), digest: createHash('sha256').update(text).digest('hex') };
}

/** A running watcher. */
export interface BundleWatcher {
  /** Checks the file now; resolves after any resulting activation. */
  check(): Promise<void>;
  stop(): void;
}

/** Watches `file`, calling `apply` with each new bundle (errors from `apply` are logged). */
export function watchBundle(
  file: string,
  initialDigest: string,
  apply: (bundle: RuntimeBundle) => Promise<void>,
  logger: Logger,
  intervalMs = 1_000,
): BundleWatcher {
  let digest = initialDigest;
  let failedDigest = '';
  let checking: Promise<void> | null = null;
  let again = false;
  const checkOnce = async () => {
    let read: { bundle: RuntimeBundle; digest: string };
    try {
      read = await readBundleFile(file);
    } catch (error) {
      const message = (error as Error).message;
      if (message !== failedDigest) logger.log('warn', 'bundle file unreadable; still serving the last good bundle', { file, error: message });
      failedDigest = message;
      return;
    }
    if (read.digest === digest || read.digest === failedDigest) return;
    try {
      await apply(read.bundle);
      digest = read.digest;
      failedDigest = '';
    } catch (error) {
      // Remember the failing content so that it is not reloaded (and logged) every interval.
      failedDigest = read.digest;
      logger.log('error', 'bundle change rejected; still serving the previous versions', { file, error: (error as Error).message });
    }
  };
  const check = async (): Promise<void> => {
    if (checking !== null) {
      again = true;
      return checking;
    }
    checking = (async () => {
      do {
        again = false;
        await checkOnce();
      } while (again);
    })().finally(() => {
      checking = null;
    });
    return checking;
  };
  const timer = setInterval(() => void check(), intervalMs);
  timer.unref();
  let watcher: FSWatcher | null = null;
  try {
    watcher = watch(path.dirname(file), () => void check());
    watcher.on('error', () => watcher?.close());
  } catch {
    watcher = null; // polling alone still works
  }
  return {
    check,
    stop() {
      clearInterval(timer);
      watcher?.close();
    },
  };
}
