/**
 * The controller's working clone: fetch the base, check it out clean, let edits and the renderer
 * change files, write the tree, and push a deterministic commit to a bot branch with a lease, so
 * that a push never overwrites a branch that moved since it was read.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { simpleGit, type SimpleGit } from 'simple-git';
import type { FileWrite } from '../forge/forge.js';
import { botEnvironment, DEFAULT_BOT, type BotIdentity } from './bot-identity.js';
import { gitWithInput } from './git-input.js';
import { withStaleLocksCleared } from './stale-lock.js';

/** One commit touching a file: its id and committer time (ms). */
export interface FileCommit {
  readonly sha: string;
  readonly timeMs: number;
}

/** A working clone of the forge's repository. */
export class Workspace {
  private constructor(
    readonly dir: string,
    private readonly git: SimpleGit,
    private readonly identity: BotIdentity,
  ) {}

  /** Opens (cloning when needed) a working clone of `remoteUrl` in `dir`; repairs a clone a crash left behind. */
  static async open(remoteUrl: string, dir: string, config: readonly string[] = [], identity: BotIdentity = DEFAULT_BOT): Promise<Workspace> {
    if (existsSync(path.join(dir, '.git'))) {
      // A killed run may leave locks behind; only the leader uses this clone, so all are stale.
      await removeLocks(path.join(dir, '.git'));
      const git = simpleGit({ baseDir: dir, config: [...config] });
      try {
        await git.raw(['remote', 'set-url', 'origin', remoteUrl]);
        return new Workspace(dir, git, identity);
      } catch {
        await rm(dir, { recursive: true, force: true });
      }
    } else if (existsSync(dir)) {
      await rm(dir, { recursive: true, force: true });
    }
    await mkdir(path.dirname(dir), { recursive: true });
    const partial = `${dir}.partial-${process.pid}`;
    await rm(partial, { recursive: true, force: true });
    try {
      await simpleGit({ config: [...config] }).clone(remoteUrl, partial, ['--no-checkout', '--quiet']);
    } catch (error) {
      throw new Error(`cloning ${remoteUrl}`, { cause: error });
    }
    // Renamed into place only once complete, so a crash never leaves a half clone at `dir`.
    const { rename } = await import('node:fs/promises');
    await rename(partial, dir);
    return new Workspace(dir, simpleGit({ baseDir: dir, config: [...config] }), identity);
  }

  /** Fetches every branch; returns the base branch's commit. */
  async fetch(base: string): Promise<string> {
    try {
      await this.git.raw(['fetch', '--prune', '--quiet', '--force', 'origin', '+refs/heads/*:refs/remotes/origin/*']);
    } catch (error) {
      throw new Error(`fetching ${base}`, { cause: error });
    }
    const sha = await this.remoteBranchSha(base);
    if (sha === null) throw new Error(`the remote has no branch '${base}'`);
    return sha;
  }

  /** The remote branch's commit as last fetched, or `null`. */
  async remoteBranchSha(branch: string): Promise<string | null> {
    try {
      return (await this.git.raw(['rev-parse', '--verify', '--quiet', `refs/remotes/origin/${branch}^{commit}`])).trim() || null;
    } catch {
      return null;
    }
  }

  /** Remote branches under `prefix`, with their commits. */
  async remoteBranches(prefix: string): Promise<Map<string, string>> {
    const out = await this.git.raw(['for-each-ref', '--format=%(refname:strip=3) %(objectname)', `refs/remotes/origin/${prefix}`]);
    const branches = new Map<string, string>();
    for (const line of out.split('\n')) {
      const [name, sha] = line.trim().split(' ');
      if (name && sha) branches.set(name, sha);
    }
    return branches;
  }

  /** Checks out `sha` detached, dropping every local change and untracked file. */
  async checkoutClean(sha: string): Promise<void> {
    await this.git.raw(['checkout', '--quiet', '--force', '--detach', sha]);
    await this.git.raw(['clean', '-fdqx']);
  }

  /** Stages everything and writes the tree; returns its id. */
  async writeTree(): Promise<string> {
    await this.git.raw(['add', '--all']);
    return (await this.git.raw(['write-tree'])).trim();
  }

  /** The tree of a commit. */
  async treeOf(commit: string): Promise<string> {
    return (await this.git.raw(['rev-parse', `${commit}^{tree}`])).trim();
  }

  /** The full message of a commit. */
  async messageOf(commit: string): Promise<string> {
    return this.git.raw(['show', '-s', '--format=%B', commit]);
  }

  /** The parents of a commit. */
  async parentsOf(commit: string): Promise<string[]> {
    const out = (await this.git.raw(['rev-list', '--parents', '-n', '1', commit])).trim().split(' ');
    return out.slice(1);
  }

  /** Files that differ between two trees or commits, under `prefix`. */
  async changedFiles(from: string, to: string, prefix: string): Promise<string[]> {
    const out = await this.git.raw(['diff', '--name-only', from, to, '--', prefix]);
    return out.split('\n').filter((line) => line !== '');
  }

  /**
   * Writes a commit of `tree` on `parent` as the bot. The dates are the parent's, so the same
   * change on the same base is the same commit: a restarted controller pushes nothing new.
   */
  async commitTree(tree: string, parent: string, message: string): Promise<string> {
    const { raw } = await this.dateOf(parent);
    return gitWithInput(this.dir, ['commit-tree', tree, '-p', parent, '-F', '-'], message, botEnvironment(raw, this.identity));
  }

  /** The committer date of a commit, as `git commit-tree` takes it and ISO 8601. */
  async dateOf(commit: string): Promise<{ raw: string; iso: string }> {
    const seconds = (await this.git.raw(['show', '-s', '--format=%ct', commit])).trim();
    return { raw: `@${seconds} +0000`, iso: new Date(Number(seconds) * 1000).toISOString().replace('.000Z', 'Z') };
  }

  /** Records that the remote branch now points at `commit` (after a forge wrote it). */
  async noteRemoteBranch(branch: string, commit: string): Promise<void> {
    await withStaleLocksCleared(() => this.git.raw(['update-ref', `refs/remotes/origin/${branch}`, commit]));
  }

  /** The files that differ between commit `parent` and `tree`, with their new contents. */
  async filesChanged(parent: string, tree: string): Promise<FileWrite[]> {
    const out = await this.git.raw(['diff-tree', '-r', '--no-renames', '-z', parent, tree]);
    const fields = out.split('\0').filter((field) => field !== '');
    const files: FileWrite[] = [];
    for (let index = 0; index + 1 < fields.length; index += 2) {
      // ":<old mode> <new mode> <old sha> <new sha> <status>" then the path.
      const [, newMode, , newSha, status] = fields[index].slice(1).split(' ');
      const file = fields[index + 1];
      if (status === 'D') files.push({ path: file, mode: '100644', content: null });
      else files.push({ path: file, mode: newMode as FileWrite['mode'], content: await this.blob(newSha) });
    }
    return files;
  }

  private blob(sha: string): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      execFile('git', ['cat-file', 'blob', sha], { cwd: this.dir, encoding: 'buffer', maxBuffer: 256 * 1024 * 1024 }, (error, stdout) => (error ? reject(error) : resolve(stdout)));
    });
  }

  /** Whether `head` merges into `base` without conflicts (`git merge-tree` exits 1 on a conflict). */
  async mergesCleanly(base: string, head: string): Promise<boolean> {
    return new Promise((resolve, reject) => {
      execFile('git', ['merge-tree', '--write-tree', '--name-only', base, head], { cwd: this.dir }, (error) => {
        if (error === null) resolve(true);
        else if (error.code === 1) resolve(false);
        else reject(new Error(`checking whether ${head.slice(0, 12)} merges into ${base.slice(0, 12)}`, { cause: error }));
      });
    });
  }

  /** Commits on `head` but not on `base` authored by someone other than the bot. */
  async foreignCommits(base: string, head: string): Promise<string[]> {
    const out = await this.git.raw(['log', '--format=%H %ae', `${base}..${head}`]);
    return out
      .split('\n')
      .map((line) => line.trim().split(' '))
      .filter(([sha, email]) => sha && email !== this.identity.email)
      .map(([sha]) => sha);
  }

  /** Commits reachable from `head` that touched `file`, newest first. */
  async commitsTouching(head: string, file: string, max = 100): Promise<FileCommit[]> {
    const out = await this.git.raw(['log', `--max-count=${max}`, '--format=%H %ct', head, '--', file]);
    return out
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => {
        const [sha, seconds] = line.split(' ');
        return { sha, timeMs: Number(seconds) * 1000 };
      });
  }

  /** A file's text at a commit, or `null` when it did not exist there. */
  async showFile(commit: string, file: string): Promise<string | null> {
    try {
      return await this.git.raw(['show', `${commit}:${file}`]);
    } catch {
      return null;
    }
  }
}

// The index, HEAD, packed-refs and every ref's lock file a killed git may have left.
async function removeLocks(gitDir: string): Promise<void> {
  const locks = (await readdir(gitDir)).filter((name) => name.endsWith('.lock')).map((name) => path.join(gitDir, name));
  const refs = path.join(gitDir, 'refs');
  if (existsSync(refs)) {
    const entries = await readdir(refs, { recursive: true });
    locks.push(...entries.filter((name) => name.endsWith('.lock')).map((name) => path.join(refs, name)));
  }
  await Promise.all(locks.map((lock) => rm(lock, { force: true })));
}
