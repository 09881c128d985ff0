/**
 * The local forge: a plain Git repository is the forge. A pull request is a branch plus a record
 * in the repository's own refs (`refs/slipway/pulls/<n>`, a commit whose message is the JSON
 * record and whose parent is the previous revision of the record, so each PR keeps its history).
 * Every write is a compare-and-swap `update-ref`, so two writers never lose each other's change,
 * and a lock a killed writer left behind is cleared once it is stale.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { simpleGit, type SimpleGit } from 'simple-git';
import { BOT_ENVIRONMENT_NAMES, BOT_NAME, botEnvironment, configuredBot, DEFAULT_BOT, type BotIdentity } from '../../git/bot-identity.js';
import { gitWithInput } from '../../git/git-input.js';
import { withStaleLocksCleared } from '../../git/stale-lock.js';
import type { AutoMergeResult, BranchWrite, Forge, LabelledPullRequest, PullRequest, PullRequestSpec } from '../forge.js';
import { PULLS_REF_PREFIX, parseRecord, type PullRecord } from './pull-record.js';

const ZERO = '0000000000000000000000000000000000000000';

/** A pull request record together with the commit that stores it. */
interface StoredRecord {
  readonly record: PullRecord;
  readonly commit: string;
}

/** The forge backed by the repository at `repo`. */
export class LocalForge implements Forge {
  readonly name = 'local';
  readonly remoteUrl: string;
  private readonly git: SimpleGit;

  constructor(
    readonly repo: string,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.remoteUrl = path.resolve(repo);
    this.git = simpleGit({ baseDir: this.remoteUrl, allowEnvironment: BOT_ENVIRONMENT_NAMES });
  }

  /** Every record, lowest number first. */
  async records(): Promise<PullRecord[]> {
    return (await this.stored()).map((stored) => stored.record);
  }

  /** One record by number, or `null`. */
  async record(number: number): Promise<PullRecord | null> {
    return (await this.stored()).find((stored) => stored.record.number === number)?.record ?? null;
  }

  async ensureBranch(write: BranchWrite): Promise<string> {
    const ref = `refs/heads/${write.branch}`;
    if ((await this.revParse(ref)) === write.commit) return write.commit;
    try {
      // Bring the commit's objects over from the working clone, then move the branch only if it
      // is still where the controller last saw it.
      await this.git.raw(['fetch', '--quiet', '--no-tags', write.objectsDir, write.commit]);
      await withStaleLocksCleared(() => this.git.raw(['update-ref', ref, write.commit, write.expected ?? ZERO]));
    } catch (error) {
      throw new Error(`writing branch ${write.branch}`, { cause: error });
    }
    return write.commit;
  }

  /** The PRs whose head branch starts with `prefix`, any state, newest first (for `slipway pr` and tests). */
  async listPullRequests(prefix: string): Promise<PullRequest[]> {
    const records = await this.records();
    const heads = await this.branchHeads();
    return records
      .filter((record) => record.branch.startsWith(prefix))
      .sort((a, b) => b.number - a.number)
      .map((record) => this.toPullRequest(record, heads));
  }

  async listPullRequestsByBranch(branch: string): Promise<PullRequest[]> {
    return (await this.listPullRequests(branch)).filter((pr) => pr.branch === branch);
  }

  async findPullRequestByBranch(branch: string): Promise<PullRequest | null> {
    return (await this.listPullRequestsByBranch(branch))[0] ?? null;
  }

  async listMergedByLabel(label: string): Promise<LabelledPullRequest[]> {
    return (await this.records())
      .filter((record) => record.state === 'merged' && record.labels.includes(label))
      .sort((a, b) => b.number - a.number)
      .map((record) => ({ number: record.number, body: record.body, labels: record.labels }));
  }

  async ensurePullRequest(spec: PullRequestSpec): Promise<{ pr: PullRequest; created: boolean; updated: boolean }> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const stored = await this.stored();
      const open = stored.filter((one) => one.record.branch === spec.branch && one.record.state === 'open').sort((a, b) => b.record.number - a.record.number)[0];
      const heads = await this.branchHeads();
      if (open !== undefined) {
        const labels = mergedLabels(open.record.labels, spec);
        const same = open.record.title === spec.title && open.record.body === spec.body && sameLabels(open.record.labels, labels) && open.record.base === spec.base;
        if (same) return { pr: this.toPullRequest(open.record, heads), created: false, updated: false };
        const next: PullRecord = { ...open.record, title: spec.title, body: spec.body, labels, base: spec.base, updatedAt: this.now().toISOString() };
        if (await this.write(next, open.commit)) return { pr: this.toPullRequest(next, heads), created: false, updated: true };
        continue;
      }
      const number = stored.reduce((max, one) => Math.max(max, one.record.number), 0) + 1;
      const at = this.now().toISOString();
      const record: PullRecord = { number, branch: spec.branch, base: spec.base, title: spec.title, body: spec.body, state: 'open', labels: [...spec.labels].sort(), createdAt: at, updatedAt: at, comments: [] };
      if (await this.write(record, null)) return { pr: this.toPullRequest(record, heads), created: true, updated: false };
    }
    throw new Error(`could not write the pull request record for ${spec.branch}: it kept changing underneath`);
  }

  /** Always: the local forge has no approvals to dismiss, so its branches follow the base (as they always did). */
  async requiresUpToDate(): Promise<boolean> {
    return true;
  }

  /** Adds a label as a person would (the local forge's stand-in for GitHub's label picker). */
  async addLabel(number: number, label: string): Promise<void> {
    await this.change(number, (record) => (record.labels.includes(label) ? null : { ...record, labels: [...record.labels, label].sort() }));
  }

  /** `SLIPWAY_BOT_NAME` and `SLIPWAY_BOT_EMAIL` when set, else the default bot. */
  async identity(): Promise<BotIdentity> {
    return configuredBot(process.env) ?? DEFAULT_BOT;
  }

  async comment(number: number, text: string, author = BOT_NAME): Promise<void> {
    await this.change(number, (record) => ({ ...record, comments: [...record.comments, { at: this.now().toISOString(), author, text }] }));
  }

  async close(number: number): Promise<void> {
    await this.change(number, (record) => (record.state === 'open' ? { ...record, state: 'closed' } : null));
  }

  async comments(number: number): Promise<string[]> {
    return (await this.record(number))?.comments.map((comment) => comment.text) ?? [];
  }

  /** Merges at once: the local forge has no checks to wait for. */
  async enableAutoMerge(number: number): Promise<AutoMergeResult> {
    await this.merge(number);
    return { kind: 'merged', method: 'merge' };
  }

  /** Nothing to turn off: the local forge never waits to merge. */
  async disableAutoMerge(): Promise<void> {}

  /**
   * Merges PR `number` into its base with a merge commit: in the working tree when the base is
   * checked out there (so a person sees it at once), otherwise with plumbing only. Idempotent.
   */
  async merge(number: number): Promise<PullRecord> {
    const stored = (await this.stored()).find((one) => one.record.number === number);
    if (stored === undefined) throw new Error(`there is no pull request #${number}`);
    const { record } = stored;
    if (record.state === 'merged') return record;
    if (record.state === 'closed') throw new Error(`pull request #${number} is closed; it cannot be merged`);
    const head = await this.revParse(`refs/heads/${record.branch}`);
    if (head === null) throw new Error(`pull request #${number}: branch ${record.branch} is gone`);
    const message = `Merge pull request #${number} from ${record.branch}\n\n${record.title}\n`;
    const mergedSha = await this.mergeIntoBase(record.base, head, message);
    const merged: PullRecord = { ...record, state: 'merged', mergedSha, updatedAt: this.now().toISOString() };
    if (!(await this.write(merged, stored.commit))) return this.merge(number);
    return merged;
  }

  private async mergeIntoBase(base: string, head: string, message: string): Promise<string> {
    const baseSha = await this.revParse(`refs/heads/${base}`);
    if (baseSha === null) throw new Error(`the repository has no branch '${base}'`);
    const checkedOut = await this.checkedOutBranch();
    if (checkedOut === base) {
      const status = await this.git.raw(['status', '--porcelain', '--untracked-files=no']);
      if (status.trim() !== '') throw new Error(`the working tree of ${this.remoteUrl} has uncommitted changes; commit or stash them before merging`);
      await this.git.env(botEnvironment(undefined, await this.identity())).raw(['merge', '--no-ff', '--quiet', '-m', message, head]);
      return (await this.revParse('HEAD'))!;
    }
    let tree: string;
    try {
      tree = (await this.git.raw(['merge-tree', '--write-tree', baseSha, head])).trim().split('\n')[0];
    } catch (error) {
      throw new Error(`merging ${head.slice(0, 12)} into ${base} conflicts`, { cause: error });
    }
    const commit = await gitWithInput(this.remoteUrl, ['commit-tree', tree, '-p', baseSha, '-p', head, '-F', '-'], message, botEnvironment(undefined, await this.identity()));
    await withStaleLocksCleared(() => this.git.raw(['update-ref', `refs/heads/${base}`, commit, baseSha]));
    return commit;
  }

  private async checkedOutBranch(): Promise<string | null> {
    if (!existsSync(path.join(this.remoteUrl, '.git'))) return null;
    try {
      return (await this.git.raw(['symbolic-ref', '--quiet', '--short', 'HEAD'])).trim();
    } catch {
      return null;
    }
  }

  private async change(number: number, update: (record: PullRecord) => PullRecord | null): Promise<void> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const stored = (await this.stored()).find((one) => one.record.number === number);
      if (stored === undefined) throw new Error(`there is no pull request #${number}`);
      const next = update(stored.record);
      if (next === null) return;
      if (await this.write({ ...next, updatedAt: this.now().toISOString() }, stored.commit)) return;
    }
    throw new Error(`could not update pull request #${number}: it kept changing underneath`);
  }

  private async stored(): Promise<StoredRecord[]> {
    const out = await this.git.raw(['for-each-ref', '--format=%(objectname)%00%(refname)%00%(contents)%01', PULLS_REF_PREFIX]);
    const stored: StoredRecord[] = [];
    for (const entry of out.split('\u0001')) {
      const trimmed = entry.replace(/^\n/, '');
      if (trimmed.trim() === '') continue;
      const [commit, ref, contents] = trimmed.split('\u0000');
      stored.push({ commit, record: parseRecord(contents, ref) });
    }
    return stored.sort((a, b) => a.record.number - b.record.number);
  }

  /** Writes a record revision; `false` when someone else changed the ref first. */
  private async write(record: PullRecord, previous: string | null): Promise<boolean> {
    const tree = await gitWithInput(this.remoteUrl, ['mktree'], '');
    const parents = previous === null ? [] : ['-p', previous];
    const commit = await gitWithInput(this.remoteUrl, ['commit-tree', tree, ...parents, '-F', '-'], JSON.stringify(record), botEnvironment());
    try {
      await withStaleLocksCleared(() => this.git.raw(['update-ref', `${PULLS_REF_PREFIX}${record.number}`, commit, previous ?? ZERO]));
      return true;
    } catch {
      return false;
    }
  }

  private async branchHeads(): Promise<Map<string, string>> {
    const out = await this.git.raw(['for-each-ref', '--format=%(refname:strip=2) %(objectname)', 'refs/heads/']);
    const heads = new Map<string, string>();
    for (const line of out.split('\n')) {
      const [name, sha] = line.split(' ');
      if (name && sha) heads.set(name, sha);
    }
    return heads;
  }

  private async revParse(ref: string): Promise<string | null> {
    try {
      return (await this.git.raw(['rev-parse', '--verify', '--quiet', ref])).trim() || null;
    } catch {
      return null;
    }
  }

  private toPullRequest(record: PullRecord, heads: ReadonlyMap<string, string>): PullRequest {
    return {
      number: record.number,
      branch: record.branch,
      base: record.base,
      title: record.title,
      body: record.body,
      state: record.state,
      labels: record.labels,
      headSha: heads.get(record.branch) ?? null,
      url: `${this.remoteUrl}#pull/${record.number}`,
      autoMerge: false,
    };
  }
}

function sameLabels(a: readonly string[], b: readonly string[]): boolean {
  return JSON.stringify([...a].sort()) === JSON.stringify([...b].sort());
}

/** The PR's labels after the bot's: its own as `spec` wants them, a person's untouched. */
function mergedLabels(current: readonly string[], spec: PullRequestSpec): string[] {
  const kept = current.filter((label) => !spec.managedLabels.includes(label) || spec.labels.includes(label));
  return [...new Set([...kept, ...spec.labels])].sort();
}
