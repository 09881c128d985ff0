/** A ref lock left by a killed git is cleared once stale; a live one is waited for; other errors pass. */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { simpleGit, type SimpleGit } from 'simple-git';
import { withStaleLocksCleared } from '../../../controllers/git/stale-lock.js';

describe('stale ref locks', () => {
  let dir: string;
  let git: SimpleGit;
  let head: string;

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'slipway-lock-'));
    git = simpleGit(dir);
    await git.init();
    await git.raw(['-c', 'user.name=t', '-c', 'user.email=t@example.invalid', 'commit', '--allow-empty', '-m', 'one']);
    head = (await git.revparse(['HEAD'])).trim();
  });
  after(() => rm(dir, { recursive: true, force: true }));

  const lockOf = (ref: string) => path.join(dir, '.git', `${ref}.lock`);
  const update = (ref: string) => () => git.raw(['update-ref', ref, head, '0'.repeat(40)]);

  it('removes a lock older than two seconds and writes the ref', async () => {
    await writeFile(lockOf('refs/heads/crashed'), '');
    const past = new Date(Date.now() - 10_000);
    await utimes(lockOf('refs/heads/crashed'), past, past);
    await assert.rejects(update('refs/heads/crashed')(), /File exists/, 'git itself refuses while the lock is there');
    await withStaleLocksCleared(update('refs/heads/crashed'));
    assert.equal((await git.revparse(['refs/heads/crashed'])).trim(), head);
    assert.equal(existsSync(lockOf('refs/heads/crashed')), false);
  });

  it('waits for a fresh lock to turn stale, within its patience', async () => {
    await writeFile(lockOf('refs/heads/fresh'), '');
    const started = Date.now();
    await withStaleLocksCleared(update('refs/heads/fresh'));
    assert.ok(Date.now() - started >= 1_900, 'a lock a live git may hold is not removed at once');
    assert.equal((await git.revparse(['refs/heads/fresh'])).trim(), head);
  });

  it('passes other failures through, such as a ref that moved', async () => {
    await assert.rejects(withStaleLocksCleared(update('refs/heads/crashed')), /reference already exists/);
  });
});
