/**
 * The GitHub forge: pull requests through the REST API, branches written through the Git data API
 * (blobs, tree, commit, ref) so that no push credentials are needed, auto-merge through GraphQL's
 * `enablePullRequestAutoMerge`. Octokit's types stay in this folder.
 */
import type { BranchWrite, Forge, PullRequest, PullRequestSpec, PullRequestState } from '../forge.js';
import { TerminalForgeError } from '../forge.js';
import { configuredBot, DEFAULT_BOT, githubNoreply, type BotIdentity } from '../../git/bot-identity.js';
import type { Log } from '../../reconcile.js';
import { isAuthError, isCleanStatusError, isNotFoundError, isPrAlreadyExistsError } from './errors.js';
import { createGitHubClient, gitToken, type ClientTuning, type GitHubClient } from './octokit.js';
import type { GitHubSettings } from './settings.js';

interface RestPull {
  readonly number: number;
  readonly title: string;
  readonly body: string | null;
  readonly state: string;
  readonly merged_at: string | null;
  readonly html_url: string;
  readonly node_id: string;
  readonly head: { readonly ref: string; readonly sha: string; readonly repo: { readonly full_name: string } | null };
  readonly base: { readonly ref: string };
  readonly labels: readonly ({ readonly name?: string } | string)[];
  readonly auto_merge?: unknown;
}

/** The forge on GitHub or GitHub Enterprise Server. */
export class GitHubForge implements Forge {
  readonly name = 'github';
  readonly remoteUrl: string;
  private readonly octokit: GitHubClient;
  private readonly repoParams: { owner: string; repo: string };

  constructor(
    private readonly settings: GitHubSettings,
    private readonly log: Log = () => {},
    tuning: ClientTuning = {},
    private readonly environment: NodeJS.ProcessEnv = process.env,
  ) {
    this.remoteUrl = settings.gitUrl;
    this.octokit = createGitHubClient(settings, log, tuning);
    this.repoParams = { owner: settings.owner, repo: settings.repo };
  }

  /** Git `-c` settings that authenticate fetches over HTTPS. */
  async gitConfig(): Promise<string[]> {
    if (!/^https?:/.test(this.remoteUrl)) return [];
    const token = await gitToken(this.octokit);
    const basic = Buffer.from(`x-access-token:${token}`).toString('base64');
    return [`http.extraHeader=Authorization: Basic ${basic}`];
  }

  /**
   * The configured identity, else the account behind the credentials in GitHub's no-reply form:
   * an App's bot user (`<slug>[bot]`), or a token's user. An installation token from outside (the
   * workflow's `create-github-app-token`) cannot read its App: then the default, with a log line.
   */
  identity(): Promise<BotIdentity> {
    this.identityLookup ??= this.lookUpIdentity();
    return this.identityLookup;
  }

  private identityLookup: Promise<BotIdentity> | null = null;

  private async lookUpIdentity(): Promise<BotIdentity> {
    const configured = configuredBot(this.environment);
    if (configured !== null) return configured;
    try {
      if (this.settings.auth.type === 'app') {
        const { data: app } = await this.octokit.rest.apps.getAuthenticated();
        const { data: user } = await this.octokit.rest.users.getByUsername({ username: `${app!.slug}[bot]` });
        return githubNoreply(user);
      }
      const { data: user } = await this.octokit.rest.users.getAuthenticated();
      return githubNoreply(user);
    } catch (error) {
      this.log('cannot tell whose credentials these are; committing as the default bot identity (set SLIPWAY_BOT_NAME and SLIPWAY_BOT_EMAIL)', { error: (error as Error).message });
      return DEFAULT_BOT;
    }
  }

  async ensureBranch(write: BranchWrite): Promise<void> {
    const current = await this.branchSha(write.branch);
    if (current === write.commit) return;
    if (current !== write.expected) throw new Error(`branch ${write.branch} moved to ${current?.slice(0, 12) ?? 'nothing'} since it was read; will retry next reconcile`);
    try {
      const { data: parent } = await this.octokit.rest.git.getCommit({ ...this.repoParams, commit_sha: write.parent });
      const entries = [];
      for (const file of await write.changedFiles()) {
        if (file.content === null) {
          entries.push({ path: file.path, mode: file.mode, type: 'blob' as const, sha: null });
          continue;
        }
        const { data: blob } = await this.octokit.rest.git.createBlob({ ...this.repoParams, content: file.content.toString('base64'), encoding: 'base64' });
        entries.push({ path: file.path, mode: file.mode, type: 'blob' as const, sha: blob.sha });
      }
      const { data: tree } = await this.octokit.rest.git.createTree({ ...this.repoParams, base_tree: parent.tree.sha, tree: entries });
      const who = { ...(await this.identity()), date: write.date };
      const { data: commit } = await this.octokit.rest.git.createCommit({ ...this.repoParams, message: write.message, tree: tree.sha, parents: [write.parent], author: who, committer: who });
      if (commit.sha !== write.commit) this.log('github built a different commit id than the working clone', { branch: write.branch, github: commit.sha, local: write.commit });
      if (current === null) await this.octokit.rest.git.createRef({ ...this.repoParams, ref: `refs/heads/${write.branch}`, sha: commit.sha });
      else await this.octokit.rest.git.updateRef({ ...this.repoParams, ref: `heads/${write.branch}`, sha: commit.sha, force: true });
    } catch (error) {
      throw this.wrap(error, `writing branch ${write.branch}`);
    }
  }

  async listPullRequests(prefix: string): Promise<PullRequest[]> {
    try {
      const pulls = (await this.octokit.paginate(this.octokit.rest.pulls.list, { ...this.repoParams, state: 'all', per_page: 100 })) as unknown as RestPull[];
      return pulls
        .filter((pull) => pull.head.ref.startsWith(prefix) && this.sameRepository(pull))
        .map((pull) => this.toPullRequest(pull))
        .sort((a, b) => b.number - a.number);
    } catch (error) {
      throw this.wrap(error, 'listing pull requests');
    }
  }

  async findPullRequestByBranch(branch: string): Promise<PullRequest | null> {
    const pulls = await this.pullsFor(branch, 'all');
    return pulls.length === 0 ? null : this.toPullRequest(pulls[0]);
  }

  async ensurePullRequest(spec: PullRequestSpec): Promise<{ pr: PullRequest; created: boolean; updated: boolean }> {
    try {
      const open = (await this.pullsFor(spec.branch, 'open'))[0];
      if (open !== undefined) return await this.update(open, spec);
      try {
        const { data } = await this.octokit.rest.pulls.create({ ...this.repoParams, head: spec.branch, base: spec.base, title: spec.title, body: spec.body, maintainer_can_modify: false });
        if (spec.labels.length > 0) await this.octokit.rest.issues.addLabels({ ...this.repoParams, issue_number: data.number, labels: [...spec.labels] });
        return { pr: this.toPullRequest({ ...(data as unknown as RestPull), labels: [...spec.labels].map((name) => ({ name })) }), created: true, updated: false };
      } catch (error) {
        // Another run opened it between our look-up and our create: adopt it.
        if (!isPrAlreadyExistsError(error)) throw error;
        const adopted = (await this.pullsFor(spec.branch, 'open'))[0];
        if (adopted === undefined) throw error;
        return await this.update(adopted, spec);
      }
    } catch (error) {
      throw this.wrap(error, `ensuring the pull request for ${spec.branch}`);
    }
  }

  async comment(number: number, text: string): Promise<void> {
    try {
      await this.octokit.rest.issues.createComment({ ...this.repoParams, issue_number: number, body: text });
    } catch (error) {
      throw this.wrap(error, `commenting on #${number}`);
    }
  }

  async close(number: number): Promise<void> {
    try {
      await this.octokit.rest.pulls.update({ ...this.repoParams, pull_number: number, state: 'closed' });
    } catch (error) {
      throw this.wrap(error, `closing #${number}`);
    }
  }

  /**
   * GitHub's auto-merge (GraphQL `enablePullRequestAutoMerge`): merged once required checks pass.
   * When the PR is already mergeable GitHub refuses ("clean status"), and it is merged at once.
   */
  async enableAutoMerge(number: number): Promise<void> {
    try {
      const { data } = await this.octokit.rest.pulls.get({ ...this.repoParams, pull_number: number });
      const pull = data as unknown as RestPull;
      if (pull.merged_at !== null || pull.state !== 'open' || (pull.auto_merge !== null && pull.auto_merge !== undefined)) return;
      try {
        await this.octokit.graphql(
          'mutation($id: ID!) { enablePullRequestAutoMerge(input: { pullRequestId: $id, mergeMethod: MERGE }) { pullRequest { number } } }',
          { id: pull.node_id },
        );
      } catch (error) {
        if (!isCleanStatusError(error)) throw error;
        await this.octokit.rest.pulls.merge({ ...this.repoParams, pull_number: number, merge_method: 'merge' });
      }
    } catch (error) {
      throw this.wrap(error, `enabling auto-merge on #${number}`);
    }
  }

  private async update(open: RestPull, spec: PullRequestSpec): Promise<{ pr: PullRequest; created: boolean; updated: boolean }> {
    const current = this.toPullRequest(open);
    let updated = false;
    if (current.title !== spec.title || current.body !== spec.body || current.base !== spec.base) {
      await this.octokit.rest.pulls.update({ ...this.repoParams, pull_number: open.number, title: spec.title, body: spec.body, base: spec.base });
      updated = true;
    }
    if (JSON.stringify([...current.labels].sort()) !== JSON.stringify([...spec.labels].sort())) {
      await this.octokit.rest.issues.setLabels({ ...this.repoParams, issue_number: open.number, labels: [...spec.labels] });
      updated = true;
    }
    return { pr: { ...current, title: spec.title, body: spec.body, labels: [...spec.labels] }, created: false, updated };
  }

  private async pullsFor(branch: string, state: 'open' | 'all'): Promise<RestPull[]> {
    try {
      const { data } = await this.octokit.rest.pulls.list({ ...this.repoParams, state, head: `${this.settings.owner}:${branch}`, per_page: 100 });
      return (data as unknown as RestPull[]).filter((pull) => pull.head.ref === branch && this.sameRepository(pull)).sort((a, b) => b.number - a.number);
    } catch (error) {
      throw this.wrap(error, `finding pull requests for ${branch}`);
    }
  }

  private async branchSha(branch: string): Promise<string | null> {
    try {
      const { data } = await this.octokit.rest.git.getRef({ ...this.repoParams, ref: `heads/${branch}` });
      return data.object.sha;
    } catch (error) {
      if (isNotFoundError(error)) return null;
      throw this.wrap(error, `reading branch ${branch}`);
    }
  }

  // Only the bot's own branches count; a fork's branch of the same name is someone else's.
  private sameRepository(pull: RestPull): boolean {
    return pull.head.repo === null || pull.head.repo.full_name.toLowerCase() === `${this.settings.owner}/${this.settings.repo}`.toLowerCase();
  }

  private toPullRequest(pull: RestPull): PullRequest {
    const state: PullRequestState = pull.merged_at !== null ? 'merged' : pull.state === 'open' ? 'open' : 'closed';
    return {
      number: pull.number,
      branch: pull.head.ref,
      base: pull.base.ref,
      title: pull.title,
      body: pull.body ?? '',
      state,
      labels: pull.labels.map((label) => (typeof label === 'string' ? label : (label.name ?? ''))).filter((name) => name !== ''),
      headSha: pull.head.sha,
      url: pull.html_url,
    };
  }

  private wrap(error: unknown, doing: string): Error {
    if (error instanceof TerminalForgeError || (error instanceof Error && error.message.startsWith(`${doing}:`))) return error as Error;
    const message = `${doing}: ${(error as Error).message}`;
    return isAuthError(error) ? new TerminalForgeError(message, { cause: error }) : new Error(message, { cause: error });
  }
}
