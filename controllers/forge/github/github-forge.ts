/**
 * The GitHub forge: pull requests through the REST API, branches written through the Git data API
 * (blobs, tree, commit, ref) so that no push credentials are needed, auto-merge through GraphQL's
 * `enablePullRequestAutoMerge`. Octokit's types stay in this folder.
 */
import type { AutoMergeRefusal, AutoMergeResult, BranchWrite, Forge, LabelledPullRequest, MergeMethod, PullRequest, PullRequestSpec, PullRequestState } from '../forge.js';
import { TerminalForgeError } from '../forge.js';
import { configuredBot, DEFAULT_BOT, githubNoreply, type BotIdentity } from '../../git/bot-identity.js';
import type { Log } from '../../reconcile.js';
import {
  isAuthError,
  isAutoMergeNotAllowedError,
  isBaseModifiedError,
  isHeadModifiedError,
  isMergeableNowError,
  isMergeBlockedError,
  isMergeMethodNotAllowedError,
  isNotFoundError,
  isPrAlreadyExistsError,
} from './errors.js';
import { candidateMethods, mergeSettingsOf, type MergeSettings } from './merge-settings.js';
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
  readonly auto_merge?: { readonly merge_method?: string } | null;
}

interface RestIssue {
  readonly number: number;
  readonly body?: string | null;
  readonly labels: readonly ({ readonly name?: string } | string)[];
  readonly pull_request?: { readonly merged_at?: string | null };
}

function labelNames(labels: RestIssue['labels']): string[] {
  return labels.map((label) => (typeof label === 'string' ? label : (label.name ?? ''))).filter((name) => name !== '');
}

const ENABLE_AUTO_MERGE = `mutation($id: ID!, $mergeMethod: PullRequestMergeMethod!, $headOid: GitObjectID!) {
  enablePullRequestAutoMerge(input: { pullRequestId: $id, mergeMethod: $mergeMethod, expectedHeadOid: $headOid }) { pullRequest { number } }
}`;

const DISABLE_AUTO_MERGE = 'mutation($id: ID!) { disablePullRequestAutoMerge(input: { pullRequestId: $id }) { pullRequest { number } } }';

const refused = (reason: AutoMergeRefusal, message: string): AutoMergeResult => ({ kind: 'refused', reason, message });

/** The forge on GitHub or GitHub Enterprise Server. */
export class GitHubForge implements Forge {
  readonly name = 'github';
  readonly remoteUrl: string;
  private readonly octokit: GitHubClient;
  private readonly repoParams: { owner: string; repo: string };
  /** The repository's merge settings, read at most once per reconcile. */
  private mergeSettingsRead: Promise<MergeSettings> | null = null;
  /** Whether each base requires up-to-date branches, read at most once per reconcile. */
  private readonly upToDateRead = new Map<string, Promise<boolean>>();

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

  beginReconcile(): void {
    this.mergeSettingsRead = null;
    this.upToDateRead.clear();
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

  async ensureBranch(write: BranchWrite): Promise<string> {
    const current = await this.branchSha(write.branch);
    if (current === write.commit) return current;
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
      return commit.sha;
    } catch (error) {
      throw this.wrap(error, `writing branch ${write.branch}`);
    }
  }

  /**
   * Classic branch protection (`required_status_checks.strict`, readable with admin rights only;
   * 403 and 404 read as "no") or a ruleset's `strict_required_status_checks_policy` (readable by
   * anyone who can read the repository). Read once per reconcile.
   */
  requiresUpToDate(base: string): Promise<boolean> {
    if (!this.upToDateRead.has(base)) {
      const read = Promise.all([this.classicStrict(base), this.rulesetStrict(base)]).then(([classic, ruleset]) => classic || ruleset);
      read.catch(() => this.upToDateRead.delete(base));
      this.upToDateRead.set(base, read);
    }
    return this.upToDateRead.get(base)!;
  }

  private async classicStrict(base: string): Promise<boolean> {
    try {
      const { data } = await this.octokit.rest.repos.getBranchProtection({ ...this.repoParams, branch: base });
      return data.required_status_checks?.strict === true;
    } catch (error) {
      if (isNotFoundError(error) || (error as { status?: number }).status === 403) return false;
      throw this.wrap(error, `reading the protection of ${base}`);
    }
  }

  private async rulesetStrict(base: string): Promise<boolean> {
    try {
      const rules = (await this.octokit.paginate(this.octokit.rest.repos.getBranchRules, { ...this.repoParams, branch: base, per_page: 100 })) as unknown as { type: string; parameters?: { strict_required_status_checks_policy?: boolean } }[];
      return rules.some((rule) => rule.type === 'required_status_checks' && rule.parameters?.strict_required_status_checks_policy === true);
    } catch (error) {
      if (isNotFoundError(error)) return false;
      throw this.wrap(error, `reading the rules of ${base}`);
    }
  }

  /**
   * Every PR of the repository whose head starts with `prefix`: pages through all of them (one
   * call per 100). The reconcile no longer uses it; `bench/controller` calls it to count what the
   * old approach cost.
   */
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

  async listPullRequestsByBranch(branch: string): Promise<PullRequest[]> {
    return (await this.pullsFor(branch, 'all')).map((pull) => this.toPullRequest(pull));
  }

  async findPullRequestByBranch(branch: string): Promise<PullRequest | null> {
    return (await this.listPullRequestsByBranch(branch))[0] ?? null;
  }

  /**
   * The issues API filtered by label (`GET /issues?labels=…&state=closed`): it pages through the
   * labelled ones only, and its items carry `pull_request.merged_at` and the body. Chosen over the
   * search API, whose index lags behind a merge (a rollback merged a minute ago could be missed,
   * and its version proposed again) and whose rate limit is 30 a minute.
   */
  async listMergedByLabel(label: string): Promise<LabelledPullRequest[]> {
    try {
      const issues = (await this.octokit.paginate(this.octokit.rest.issues.listForRepo, { ...this.repoParams, labels: label, state: 'closed', per_page: 100 })) as unknown as RestIssue[];
      return issues
        .filter((issue) => issue.pull_request?.merged_at !== null && issue.pull_request?.merged_at !== undefined)
        .sort((a, b) => b.number - a.number)
        .map((issue) => ({ number: issue.number, body: issue.body ?? '', labels: labelNames(issue.labels) }));
    } catch (error) {
      throw this.wrap(error, `finding merged pull requests labelled ${label}`);
    }
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

  async comments(number: number): Promise<string[]> {
    try {
      const comments = await this.octokit.paginate(this.octokit.rest.issues.listComments, { ...this.repoParams, issue_number: number, per_page: 100 });
      return comments.map((comment) => comment.body ?? '');
    } catch (error) {
      throw this.wrap(error, `reading the comments of #${number}`);
    }
  }

  /**
   * GitHub's auto-merge (GraphQL `enablePullRequestAutoMerge`, pinned to `head`) with the best
   * merge method the repository allows; a merge at once (REST, with `sha`) when the PR can be
   * merged now (GitHub then refuses auto-merge as "clean" or "unstable") or the repository does not
   * allow auto-merge. GitHub's refusals come back as a `refused` result.
   */
  async enableAutoMerge(number: number, head: string): Promise<AutoMergeResult> {
    try {
      const { data } = await this.octokit.rest.pulls.get({ ...this.repoParams, pull_number: number });
      const pull = data as unknown as RestPull;
      if (pull.merged_at !== null) return { kind: 'merged', method: null };
      if (pull.state !== 'open') return refused('not-mergeable', `#${number} is closed`);
      const autoMergeOn = pull.auto_merge !== null && pull.auto_merge !== undefined;
      if (pull.head.sha !== head) {
        // Someone pushed since the bot read the branch; GitHub keeps auto-merge on across pushes.
        if (autoMergeOn) await this.octokit.graphql(DISABLE_AUTO_MERGE, { id: pull.node_id });
        return refused('head-moved', `the head of #${number} is ${pull.head.sha.slice(0, 12)}, not ${head.slice(0, 12)}, the commit the bot wrote`);
      }
      if (autoMergeOn) return { kind: 'enabled', method: (pull.auto_merge!.merge_method ?? 'merge') as MergeMethod };
      const settings = await this.mergeSettings();
      const methods = candidateMethods(settings);
      let outcome = refused('merge-method-not-allowed', 'the repository allows none of merge commits, squash merges and rebase merges');
      // A method GitHub turns down may only have been unknown (settings hidden from this token): try the next.
      for (const method of methods) {
        outcome = await this.autoMergeWith(pull, head, method, settings.autoMerge !== false);
        if (outcome.kind !== 'refused' || outcome.reason !== 'merge-method-not-allowed') return outcome;
      }
      return outcome;
    } catch (error) {
      throw this.wrap(error, `enabling auto-merge on #${number}`);
    }
  }

  async disableAutoMerge(number: number): Promise<void> {
    try {
      const { data } = await this.octokit.rest.pulls.get({ ...this.repoParams, pull_number: number });
      const pull = data as unknown as RestPull;
      if (pull.auto_merge === null || pull.auto_merge === undefined) return;
      await this.octokit.graphql(DISABLE_AUTO_MERGE, { id: pull.node_id });
    } catch (error) {
      throw this.wrap(error, `disabling auto-merge on #${number}`);
    }
  }

  private async autoMergeWith(pull: RestPull, head: string, method: MergeMethod, tryAutoMerge: boolean): Promise<AutoMergeResult> {
    let notAllowed: string | null = tryAutoMerge ? null : 'the repository does not allow auto-merge';
    if (tryAutoMerge) {
      try {
        await this.octokit.graphql(ENABLE_AUTO_MERGE, { id: pull.node_id, mergeMethod: method.toUpperCase(), headOid: head });
        return { kind: 'enabled', method };
      } catch (error) {
        if (isMergeMethodNotAllowedError(error)) return refused('merge-method-not-allowed', messageOf(error));
        if (isHeadModifiedError(error)) return refused('head-moved', messageOf(error));
        if (isAutoMergeNotAllowedError(error)) notAllowed = messageOf(error);
        else if (!isMergeableNowError(error)) throw error;
      }
    }
    try {
      await this.octokit.rest.pulls.merge({ ...this.repoParams, pull_number: pull.number, sha: head, merge_method: method });
      return { kind: 'merged', method };
    } catch (error) {
      if (isMergeMethodNotAllowedError(error)) return refused('merge-method-not-allowed', messageOf(error));
      if (isHeadModifiedError(error)) return refused('head-moved', messageOf(error));
      if (isBaseModifiedError(error)) return refused('base-modified', messageOf(error));
      if (!isMergeBlockedError(error)) throw error;
      // Blocked (a required check has not passed, say): auto-merge would have waited for it.
      return notAllowed === null ? refused('not-mergeable', messageOf(error)) : refused('auto-merge-not-allowed', `${notAllowed}; ${messageOf(error)}`);
    }
  }

  private mergeSettings(): Promise<MergeSettings> {
    this.mergeSettingsRead ??= this.octokit.rest.repos.get(this.repoParams).then(
      ({ data }) => mergeSettingsOf(data as unknown as Record<string, unknown>),
      (error: unknown) => {
        this.mergeSettingsRead = null;
        throw this.wrap(error, 'reading the repository settings');
      },
    );
    return this.mergeSettingsRead;
  }

  private async update(open: RestPull, spec: PullRequestSpec): Promise<{ pr: PullRequest; created: boolean; updated: boolean }> {
    const current = this.toPullRequest(open);
    let updated = false;
    if (current.title !== spec.title || current.body !== spec.body || current.base !== spec.base) {
      await this.octokit.rest.pulls.update({ ...this.repoParams, pull_number: open.number, title: spec.title, body: spec.body, base: spec.base });
      updated = true;
    }
    // One by one: `setLabels` would also remove the labels people added.
    const added = spec.labels.filter((label) => !current.labels.includes(label));
    const removed = current.labels.filter((label) => spec.managedLabels.includes(label) && !spec.labels.includes(label));
    if (added.length > 0) await this.octokit.rest.issues.addLabels({ ...this.repoParams, issue_number: open.number, labels: added });
    for (const name of removed) await this.removeLabel(open.number, name);
    if (added.length > 0 || removed.length > 0) updated = true;
    const labels = [...current.labels.filter((label) => !removed.includes(label)), ...added];
    return { pr: { ...current, title: spec.title, body: spec.body, labels }, created: false, updated };
  }

  private async removeLabel(number: number, name: string): Promise<void> {
    try {
      await this.octokit.rest.issues.removeLabel({ ...this.repoParams, issue_number: number, name });
    } catch (error) {
      // Already gone (a person removed it first): what we wanted.
      if (!isNotFoundError(error)) throw error;
    }
  }

  private async pullsFor(branch: string, state: 'open' | 'all'): Promise<RestPull[]> {
    try {
      const data = (await this.octokit.paginate(this.octokit.rest.pulls.list, { ...this.repoParams, state, head: `${this.settings.owner}:${branch}`, per_page: 100 })) as unknown as RestPull[];
      return data.filter((pull) => pull.head.ref === branch && this.sameRepository(pull)).sort((a, b) => b.number - a.number);
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
      labels: labelNames(pull.labels),
      headSha: pull.head.sha,
      url: pull.html_url,
      autoMerge: pull.auto_merge !== null && pull.auto_merge !== undefined,
    };
  }

  private wrap(error: unknown, doing: string): Error {
    if (error instanceof TerminalForgeError || (error instanceof Error && error.message.startsWith(`${doing}:`))) return error as Error;
    const message = `${doing}: ${(error as Error).message}`;
    return isAuthError(error) ? new TerminalForgeError(message, { cause: error }) : new Error(message, { cause: error });
  }
}

/** GitHub's own words, without Octokit's "Request failed due to following response errors" wrapper. */
function messageOf(error: unknown): string {
  const failure = error as { errors?: readonly { message?: string }[]; response?: { data?: { message?: string } }; message?: string };
  return failure.errors?.[0]?.message ?? failure.response?.data?.message ?? failure.message ?? String(error);
}
