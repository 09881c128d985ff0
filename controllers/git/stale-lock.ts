/**
 * A git process killed while it updates a ref leaves `<ref>.lock` behind, and every later update
 * of that ref fails with "Unable to create '….lock': File exists" until someone removes it. A live
 * git holds such a lock for milliseconds, so one older than a couple of seconds is a crash's
 * leftover: remove it and try again, as a person would after reading the message.
 */
import { rm, stat } from 'node:fs/promises';

/** How old a lock must be before it is taken for a dead process's. */
const STALE_AFTER_MS = 2_000;
const RETRY_EVERY_MS = 250;

/** Runs `update`, clearing a stale lock file it reports and retrying, for up to `patienceMs`. */
export async function withStaleLocksCleared<T>(update: () => Promise<T>, patienceMs = 3 * STALE_AFTER_MS): Promise<T> {
  const deadline = Date.now() + patienceMs;
  for (;;) {
    try {
      return await update();
    } catch (error) {
      const lock = lockFileIn(error);
      if (lock === null || Date.now() > deadline) throw error;
      if (await isStale(lock)) await rm(lock, { force: true });
      else await new Promise((resolve) => setTimeout(resolve, RETRY_EVERY_MS));
    }
  }
}

/** The lock file a git error names, if it failed on an existing one. */
export function lockFileIn(error: unknown): string | null {
  const message = error instanceof Error ? error.message : String(error);
  return /Unable to create '([^']+\.lock)': File exists/.exec(message)?.[1] ?? null;
}

async function isStale(lock: string): Promise<boolean> {
  try {
    return Date.now() - (await stat(lock)).mtimeMs > STALE_AFTER_MS;
  } catch {
    return true; // Gone already: retry at once.
  }
}
