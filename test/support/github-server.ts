/**
 * A loopback server that follows GitHub's REST shapes over a real bare Git repository: the Git data
 * API (blobs, trees, commits, refs), pulls, labels, comments, merges, check runs and statuses, the
 * repository's merge settings and branch protection, and GraphQL auto-merge. It refuses what GitHub
 * refuses, with GitHub's status and message: non-fast-forward ref updates without `force`, refs
 * without `refs/`, pull requests with no commits or a missing base, auto-merge where the repository
 * does not allow it (GitHub's default), the PR is in clean or unstable status or its head is not
 * the `expectedHeadOid`, merge methods the repository turned off, merges whose `sha` is no longer
 * the head. GraphQL input fields are read inline or from the mutation's variables. Pull requests
 * are also served as issues (`GET /issues?labels=…`, with `pull_request.merged_at`). Lists are paginated with `Link`
 * headers; deleting a PR's head branch closes the PR. Every request body is validated against
 * GitHub's own OpenAPI description (`@octokit/openapi`), and faults (5xx, secondary rate limits, 429
 * with retry-after, or any answer GitHub gives to a race, such as 405 "Base branch was modified")
 * can be injected.
 */
import { execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';

/** A pull request as the fake GitHub stores it. */
export interface FakePull {
  number: number;
  node_id: string;
  title: string;
  body: string | null;
  state: 'open' | 'closed';
  merged_at: string | null;
  head: { ref: string; sha: string };
  base: { ref: string };
  labels: string[];
  comments: string[];
  auto_merge: { merge_method: string } | null;
}

/** The repository settings GitHub's `GET /repos/{owner}/{repo}` reports; defaults are GitHub's. */
export interface FakeRepositorySettings {
  allow_merge_commit: boolean;
  allow_squash_merge: boolean;
  allow_rebase_merge: boolean;
  /** Off by default on GitHub. */
  allow_auto_merge: boolean;
}

/** Classic branch protection of the base branch (`null`: not protected, GitHub answers 404). */
export interface FakeProtection {
  /** Checks (run names or status contexts) that must pass before a merge. */
  requiredChecks: string[];
  /** "Require branches to be up to date before merging". */
  strict: boolean;
}

/** A check run or commit status the fake holds for a commit. */
export interface FakeCheck {
  readonly sha: string;
  readonly name: string;
  /** `pending` while it runs. */
  readonly outcome: 'pending' | 'success' | 'failure';
  readonly kind: 'check-run' | 'status';
}

/** A fault served instead of the next matching request. */
export interface Fault {
  readonly method?: string;
  /** Substring of the request path. */
  readonly path?: string;
  /** Substring of the JSON request body (a branch name, say). */
  readonly body?: string;
  /** Served for every matching request, not only the next. */
  readonly always?: boolean;
  /** `answer`: GitHub's answer to a race the fake cannot stage (`status` and `message`, e.g. 405 "Base branch was modified"). */
  readonly kind: '5xx' | 'secondary-rate-limit' | '429' | 'answer';
  readonly status?: number;
  readonly message?: string;
}

/** One request the bot sent. */
export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  /** The query string, `?` included when there is one. */
  readonly query: string;
  readonly body: unknown;
  /** The status the server answered. */
  status: number;
}

/** A running fake GitHub. */
export interface FakeGitHub {
  readonly url: string;
  readonly owner: string;
  readonly repo: string;
  /** The bare repository behind it. */
  readonly gitDir: string;
  readonly pulls: FakePull[];
  /** Merge settings, GitHub's defaults until a test changes them. */
  readonly settings: FakeRepositorySettings;
  /** Protection of every branch a PR targets; `null`: unprotected. */
  protection: FakeProtection | null;
  readonly checks: FakeCheck[];
  readonly requests: RecordedRequest[];
  /** Request bodies that did not match GitHub's OpenAPI description (should stay empty). */
  readonly invalidBodies: string[];
  injectFault(fault: Fault): void;
  /** Drops every fault not yet served (the `always` ones included). */
  clearFaults(): void;
  /** Branch head in the bare repository, or null. */
  branchSha(branch: string): Promise<string | null>;
  /**
   * Records a PR of the repository's past (closed, or merged), without touching Git: a repository
   * with thousands of PRs in seconds. Its head is `main`'s commit, as good as any for a closed PR.
   */
  addPastPull(past: { readonly branch: string; readonly title?: string; readonly body?: string; readonly merged?: boolean; readonly labels?: readonly string[] }): Promise<FakePull>;
  /** Merges a PR as a person would on github.com. */
  mergePull(number: number): Promise<void>;
  /** Reports a check run on `sha` as CI would; a PR whose auto-merge waited on it may merge. */
  setCheck(sha: string, name: string, outcome: FakeCheck['outcome']): Promise<void>;
  /** Pushes a commit by a person onto `branch` (fast-forward), returning its id. */
  pushAsPerson(branch: string, file: string, content: string): Promise<string>;
  stop(): Promise<void>;
}

const require = createRequire(import.meta.url);

interface OpenApi {
  paths: Record<string, Record<string, { requestBody?: { content?: Record<string, { schema?: unknown }> } }>>;
  components: Record<string, Record<string, unknown>>;
}

let openApi: OpenApi | null = null;

function loadOpenApi(): OpenApi {
  if (openApi === null) {
    const file = path.join(path.dirname(require.resolve('@octokit/openapi/package.json')), 'generated', 'api.github.com.json');
    openApi = JSON.parse(readFileSync(file, 'utf8')) as OpenApi;
  }
  return openApi;
}

/** Resolves `$ref`s and turns OpenAPI 3.0's `nullable` into JSON Schema. */
function toJsonSchema(node: unknown, spec: OpenApi, seen: Set<string> = new Set()): unknown {
  if (Array.isArray(node)) return node.map((item) => toJsonSchema(item, spec, seen));
  if (node === null || typeof node !== 'object') return node;
  const record = node as Record<string, unknown>;
  if (typeof record.$ref === 'string') {
    const ref = record.$ref;
    if (seen.has(ref)) return {};
    const [, , section, name] = ref.split('/');
    return toJsonSchema(spec.components[section][name], spec, new Set([...seen, ref]));
  }
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) {
    if (['example', 'examples', 'nullable', 'discriminator', 'xml', 'externalDocs', 'deprecated', 'readOnly', 'writeOnly'].includes(key) || key.startsWith('x-')) continue;
    out[key] = toJsonSchema(value, spec, seen);
  }
  if (record.nullable === true) {
    if (typeof out.type === 'string') out.type = [out.type, 'null'];
    if (Array.isArray(out.enum)) out.enum = [...out.enum, null];
  }
  return out;
}

const validators = new Map<string, ValidateFunction | null>();
const ajv = new Ajv({ strict: false, validateFormats: false, allErrors: true });

function templateFor(method: string, pathname: string): string | null {
  const spec = loadOpenApi();
  const segments = pathname.split('/');
  for (const template of Object.keys(spec.paths)) {
    if (spec.paths[template][method] === undefined) continue;
    const parts = template.split('/');
    // `{ref}` in git/refs/{ref} spans slashes; every other parameter is one segment.
    const greedy = parts.findIndex((part) => part === '{ref}');
    if (greedy === -1 ? parts.length !== segments.length : segments.length < parts.length) continue;
    const matches = parts.every((part, index) => {
      if (greedy !== -1 && index > greedy) return part === segments[segments.length - (parts.length - index)];
      return part.startsWith('{') || part === segments[index];
    });
    if (matches) return template;
  }
  return null;
}

function validateBody(method: string, pathname: string, body: unknown): string | null {
  const template = templateFor(method, pathname);
  if (template === null) return `${method.toUpperCase()} ${pathname}: no such operation in GitHub's OpenAPI description`;
  const key = `${method} ${template}`;
  if (!validators.has(key)) {
    const schema = loadOpenApi().paths[template][method].requestBody?.content?.['application/json']?.schema;
    validators.set(key, schema === undefined ? null : ajv.compile(toJsonSchema(schema, loadOpenApi()) as object));
  }
  const validate = validators.get(key)!;
  if (validate === null) return body === undefined ? null : `${key}: sends a body the operation does not take`;
  // GitHub reads an absent body as an empty object: fine where no field is required.
  if (validate(body ?? {})) return null;
  return `${key}: ${ajv.errorsText(validate.errors)}`;
}

function git(cwd: string, args: readonly string[], input?: string, env?: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    if (input === undefined) {
      execFile('git', args, { cwd, env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => (error ? reject(new Error(`${error.message}: ${stderr}`)) : resolve(stdout.trim())));
      return;
    }
    const child = spawn('git', args, { cwd, env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('close', (code) => (code === 0 ? resolve(stdout.trim()) : reject(new Error(stderr))));
    child.stdin.end(input);
  });
}

/** GitHub's page size when `per_page` is not given, and its largest. */
const DEFAULT_PAGE = 30;
const LARGEST_PAGE = 100;

const METHOD_REFUSALS: Record<string, { setting: keyof FakeRepositorySettings; rest: string; graphql: string }> = {
  merge: { setting: 'allow_merge_commit', rest: 'Merge commits are not allowed on this repository.', graphql: 'Merge method merge commits are not allowed on this repository' },
  squash: { setting: 'allow_squash_merge', rest: 'Squash merges are not allowed on this repository.', graphql: 'Merge method squash merges are not allowed on this repository' },
  rebase: { setting: 'allow_rebase_merge', rest: 'Rebase merges are not allowed on this repository.', graphql: 'Merge method rebase merges are not allowed on this repository' },
};

/** One page of `items` and the `Link` header GitHub sends with it. */
function paginate<T>(items: readonly T[], query: URLSearchParams, base: string): [T[], Record<string, string>] {
  const perPage = Math.min(LARGEST_PAGE, Math.max(1, Number(query.get('per_page') ?? DEFAULT_PAGE) || DEFAULT_PAGE));
  const page = Math.max(1, Number(query.get('page') ?? '1') || 1);
  const last = Math.max(1, Math.ceil(items.length / perPage));
  const link = (n: number, rel: string) => {
    const params = new URLSearchParams(query);
    params.set('per_page', String(perPage));
    params.set('page', String(n));
    return `<${base}?${params.toString()}>; rel="${rel}"`;
  };
  const links: string[] = [];
  if (page < last) links.push(link(page + 1, 'next'), link(last, 'last'));
  if (page > 1) links.push(link(1, 'first'), link(page - 1, 'prev'));
  return [items.slice((page - 1) * perPage, page * perPage), links.length === 0 ? {} : { link: links.join(', ') }];
}

// GitHub's cap on a pull request's or a comment's body, counted in characters.
const BODY_MAX = 65_536;

function bodyTooLong(resource: 'PullRequest' | 'IssueComment', body: unknown): [number, unknown] | null {
  if (typeof body !== 'string' || [...body].length <= BODY_MAX) return null;
  return validationFailed([{ resource, code: 'custom', field: 'body', message: `body is too long (maximum is ${BODY_MAX} characters)` }]);
}

/** The user a personal token belongs to, and the App an App's credentials are for. */
export const FAKE_ACCOUNTS = {
  user: { login: 'slipway-bot', id: 4242, type: 'User' },
  app: { id: 777, slug: 'slipway-ci', name: 'Slipway CI' },
  appBotUser: { login: 'slipway-ci[bot]', id: 90001, type: 'Bot' },
} as const;

// Who is calling: GET /user for a token's user (refused to installation tokens, as GitHub does),
// GET /app and installation tokens for an App's JWT, GET /users/{login} for public profiles.
function accountRoute(method: string, pathname: string, authorization: string): [number, unknown] | null {
  const installationToken = /^token ghs_/i.test(authorization);
  if (method === 'get' && pathname === '/user') {
    return installationToken ? [403, { message: 'Resource not accessible by integration' }] : [200, FAKE_ACCOUNTS.user];
  }
  if (method === 'get' && pathname === '/app') {
    return /^bearer \S+\.\S+\.\S+$/i.test(authorization) ? [200, FAKE_ACCOUNTS.app] : [401, { message: 'A JSON web token could not be decoded' }];
  }
  if (method === 'post' && /^\/app\/installations\/\d+\/access_tokens$/.test(pathname)) {
    return [201, { token: 'ghs_fakeinstallationtoken', expires_at: new Date(Date.now() + 3_600_000).toISOString(), permissions: { contents: 'write', pull_requests: 'write' }, repository_selection: 'selected' }];
  }
  const user = /^\/users\/([^/]+)$/.exec(pathname);
  if (method === 'get' && user !== null) {
    const login = decodeURIComponent(user[1]);
    const known = [FAKE_ACCOUNTS.user, FAKE_ACCOUNTS.appBotUser].find((candidate) => candidate.login === login);
    return known === undefined ? [404, { message: 'Not Found' }] : [200, known];
  }
  return null;
}

function validationFailed(errors: readonly Record<string, string>[]): [number, unknown] {
  return [422, { message: 'Validation Failed', errors, documentation_url: 'https://docs.github.com/rest/pulls/pulls#create-a-pull-request' }];
}

/** Starts a fake GitHub for `owner/repo` whose bare repository is cloned from `source` (its `main`). */
export async function startGitHub(source: string, owner = 'acme', repo = 'fraud-platform'): Promise<FakeGitHub> {
  loadOpenApi();
  const dir = await mkdtemp(path.join(tmpdir(), 'slipway-github-'));
  const gitDir = path.join(dir, `${repo}.git`);
  await git(dir, ['clone', '--quiet', '--bare', source, gitDir]);
  const pulls: FakePull[] = [];
  const requests: RecordedRequest[] = [];
  const invalidBodies: string[] = [];
  const faults: Fault[] = [];
  const checks: FakeCheck[] = [];
  const settings: FakeRepositorySettings = { allow_merge_commit: true, allow_squash_merge: true, allow_rebase_merge: true, allow_auto_merge: false };
  const state: { protection: FakeProtection | null } = { protection: null };
  const prefix = `/repos/${owner}/${repo}`;
  let port = 0;
  let mainSha: string | null = null;

  const revParse = async (ref: string) => git(gitDir, ['rev-parse', '--verify', '--quiet', ref]).catch(() => null);
  const isAncestor = (older: string, newer: string) => git(gitDir, ['merge-base', '--is-ancestor', older, newer]).then(() => true, () => false);
  const pullJson = (pull: FakePull) => ({
    ...pull,
    html_url: `http://127.0.0.1:${port}/${owner}/${repo}/pull/${pull.number}`,
    head: { ...pull.head, repo: { full_name: `${owner}/${repo}` } },
    labels: pull.labels.map((name) => ({ name })),
    comments: pull.comments.length,
  });
  const issueJson = (pull: FakePull) => ({
    number: pull.number,
    node_id: `I_${pull.number}`,
    title: pull.title,
    body: pull.body,
    state: pull.state,
    labels: pull.labels.map((name) => ({ name })),
    comments: pull.comments.length,
    html_url: `http://127.0.0.1:${port}/${owner}/${repo}/pull/${pull.number}`,
    pull_request: { url: `http://127.0.0.1:${port}${prefix}/pulls/${pull.number}`, html_url: `http://127.0.0.1:${port}/${owner}/${repo}/pull/${pull.number}`, merged_at: pull.merged_at },
  });
  const refreshHead = async (pull: FakePull) => {
    pull.head.sha = (await revParse(`refs/heads/${pull.head.ref}`)) ?? pull.head.sha;
  };
  // The newest outcome of each named check on a commit.
  const outcomesOf = (sha: string) => {
    const latest = new Map<string, FakeCheck['outcome']>();
    for (const check of checks) if (check.sha === sha) latest.set(check.name, check.outcome);
    return latest;
  };
  /** Why GitHub would not merge the PR now (405 message), or null. */
  const mergeBlocker = async (pull: FakePull): Promise<string | null> => {
    const outcomes = outcomesOf(pull.head.sha);
    for (const name of state.protection?.requiredChecks ?? []) {
      if (outcomes.get(name) !== 'success') return `Required status check "${name}" is expected.`;
    }
    const base = (await revParse(`refs/heads/${pull.base.ref}`))!;
    if (state.protection?.strict && !(await isAncestor(base, pull.head.sha))) return 'Head branch is out of date. Review and try the merge again.';
    return null;
  };
  // GraphQL's mergeStateStatus, as far as auto-merge cares.
  const mergeState = async (pull: FakePull): Promise<'BLOCKED' | 'BEHIND' | 'UNSTABLE' | 'CLEAN'> => {
    const blocker = await mergeBlocker(pull);
    if (blocker !== null) return blocker.startsWith('Head branch') ? 'BEHIND' : 'BLOCKED';
    return [...outcomesOf(pull.head.sha).values()].every((outcome) => outcome === 'success') ? 'CLEAN' : 'UNSTABLE';
  };
  const merge = async (pull: FakePull, method = 'merge') => {
    await refreshHead(pull);
    const base = (await revParse(`refs/heads/${pull.base.ref}`))!;
    const tree = (await git(gitDir, ['merge-tree', '--write-tree', base, pull.head.sha])).split('\n')[0];
    const parents = method === 'merge' ? ['-p', base, '-p', pull.head.sha] : ['-p', base];
    const message = method === 'merge' ? `Merge pull request #${pull.number} from ${pull.head.ref}` : `${pull.title} (#${pull.number})`;
    const commit = await git(gitDir, ['commit-tree', tree, ...parents, '-m', message], undefined, person());
    await git(gitDir, ['update-ref', `refs/heads/${pull.base.ref}`, commit, base]);
    pull.state = 'closed';
    pull.merged_at = new Date().toISOString();
    pull.auto_merge = null;
    return commit;
  };
  // GitHub merges a PR with auto-merge on as soon as nothing blocks it.
  const settleAutoMerges = async () => {
    for (const pull of pulls) {
      if (pull.state !== 'open' || pull.auto_merge === null) continue;
      await refreshHead(pull);
      if ((await mergeBlocker(pull)) === null) await merge(pull, pull.auto_merge.merge_method);
    }
  };
  const setRef = async (ref: string, sha: string) => {
    await git(gitDir, ['update-ref', ref, sha]);
    await settleAutoMerges();
  };

  async function graphql(body: unknown): Promise<[number, unknown]> {
    const { query: text, variables = {} } = body as { query?: string; variables?: Record<string, unknown> };
    const operation = typeof text === 'string' ? /(enablePullRequestAutoMerge|disablePullRequestAutoMerge)/.exec(text)?.[1] : undefined;
    if (operation === undefined) return [200, { errors: [{ message: 'unsupported query' }] }];
    // An input field given inline (`mergeMethod: SQUASH`) or as a variable (`mergeMethod: $method`).
    const argument = (name: string): string | undefined => {
      const given = new RegExp(`(?<![$\\w])${name}:\\s*(\\$?\\w+)`).exec(text!)?.[1];
      if (given === undefined) return undefined;
      return given.startsWith('$') ? (variables[given.slice(1)] as string | undefined) : given;
    };
    const refuse = (message: string, type = 'UNPROCESSABLE') => [200, { data: { [operation]: null }, errors: [{ type, path: [operation], message }] }] as [number, unknown];
    const id = argument('pullRequestId');
    const pull = pulls.find((candidate) => candidate.node_id === id);
    if (pull === undefined) return refuse(`Could not resolve to a node with the global id of '${id ?? ''}'`, 'NOT_FOUND');
    if (operation === 'disablePullRequestAutoMerge') {
      pull.auto_merge = null;
      return [200, { data: { disablePullRequestAutoMerge: { pullRequest: { number: pull.number } } } }];
    }
    if (!settings.allow_auto_merge) return refuse('Pull request Auto merge is not allowed for this repository');
    const method = (argument('mergeMethod') ?? 'MERGE').toLowerCase();
    const refusal = METHOD_REFUSALS[method];
    if (refusal === undefined) return refuse(`Argument 'mergeMethod' has an invalid value (${method})`);
    if (!settings[refusal.setting]) return refuse(refusal.graphql);
    if (pull.state !== 'open') return refuse('Pull request is not open');
    await refreshHead(pull);
    const expected = argument('expectedHeadOid');
    if (expected !== undefined && expected !== pull.head.sha) return refuse('Head branch was modified. Review and try the merge again.');
    const status = await mergeState(pull);
    if (status === 'CLEAN') return refuse('Pull request Pull request is in clean status');
    if (status === 'UNSTABLE') return refuse('Pull request Pull request is in unstable status');
    pull.auto_merge = { merge_method: method };
    return [200, { data: { enablePullRequestAutoMerge: { pullRequest: { number: pull.number } } } }];
  }

  async function route(method: string, pathname: string, query: URLSearchParams, body: unknown, authorization = ''): Promise<[number, unknown, Record<string, string>?]> {
    if (method === 'post' && (pathname === '/graphql' || pathname === '/api/graphql')) return graphql(body);
    const account = accountRoute(method, pathname, authorization);
    if (account !== null) return account;
    if (!pathname.startsWith(prefix)) return [404, { message: 'Not Found' }];
    const rest = pathname.slice(prefix.length);
    const input = (body ?? {}) as Record<string, unknown>;
    const self = `http://127.0.0.1:${port}${pathname}`;
    let match: RegExpExecArray | null;
    if (method === 'get' && rest === '') {
      return [200, { id: 1, node_id: 'R_1', name: repo, full_name: `${owner}/${repo}`, private: true, default_branch: 'main', ...settings, delete_branch_on_merge: false }];
    }
    if (method === 'get' && (match = /^\/branches\/(.+)\/protection$/.exec(rest))) {
      if (state.protection === null) return [404, { message: 'Branch not protected' }];
      const { strict, requiredChecks } = state.protection;
      return [200, { required_status_checks: { strict, contexts: requiredChecks, checks: requiredChecks.map((context) => ({ context, app_id: null })) } }];
    }
    if (method === 'get' && (match = /^\/rules\/branches\/(.+)$/.exec(rest))) {
      // Rulesets: this fake protects branches the classic way only.
      return [200, []];
    }
    if (method === 'get' && (match = /^\/git\/ref\/(.+)$/.exec(rest))) {
      // Octokit sends `heads%2Fa%2Fb`; GitHub takes the ref either way.
      const ref = decodeURIComponent(match[1]);
      const sha = await revParse(`refs/${ref}`);
      return sha === null ? [404, { message: 'Not Found' }] : [200, { ref: `refs/${ref}`, object: { sha, type: 'commit' } }];
    }
    if (method === 'get' && (match = /^\/git\/commits\/([0-9a-f]{40})$/.exec(rest))) {
      const tree = await git(gitDir, ['rev-parse', `${match[1]}^{tree}`]).catch(() => null);
      if (tree === null) return [404, { message: 'Not Found' }];
      const parents = (await git(gitDir, ['rev-list', '--parents', '-n', '1', match[1]])).split(' ').slice(1);
      return [200, { sha: match[1], tree: { sha: tree }, parents: parents.map((sha) => ({ sha })) }];
    }
    if (method === 'post' && rest === '/git/blobs') {
      const content = Buffer.from(String(input.content), input.encoding === 'base64' ? 'base64' : 'utf8');
      const file = path.join(dir, `blob-${Date.now()}-${Math.random()}`);
      await writeFile(file, content);
      const sha = await git(gitDir, ['hash-object', '-w', file]);
      await rm(file, { force: true });
      return [201, { sha, url: `${prefix}/git/blobs/${sha}` }];
    }
    if (method === 'post' && rest === '/git/trees') {
      const index = path.join(dir, `index-${Date.now()}-${Math.random()}`);
      const env = { GIT_INDEX_FILE: index };
      if (typeof input.base_tree === 'string') await git(gitDir, ['read-tree', input.base_tree], undefined, env);
      // `--index-info` works without a work tree; mode 0 removes the path.
      const lines = (input.tree as { path: string; mode: string; sha: string | null }[]).map((entry) =>
        entry.sha === null ? `0 ${'0'.repeat(40)}\t${entry.path}` : `${entry.mode} ${entry.sha}\t${entry.path}`,
      );
      await git(gitDir, ['update-index', '--index-info'], `${lines.join('\n')}\n`, env);
      const sha = await git(gitDir, ['write-tree'], undefined, env);
      await rm(index, { force: true });
      return [201, { sha, tree: [] }];
    }
    if (method === 'post' && rest === '/git/commits') {
      const author = input.author as { name: string; email: string; date: string };
      const committer = (input.committer as typeof author | undefined) ?? author;
      const parents = (input.parents as string[]).flatMap((sha) => ['-p', sha]);
      const sha = await git(gitDir, ['commit-tree', String(input.tree), ...parents, '-F', '-'], String(input.message), {
        GIT_AUTHOR_NAME: author.name,
        GIT_AUTHOR_EMAIL: author.email,
        GIT_AUTHOR_DATE: author.date,
        GIT_COMMITTER_NAME: committer.name,
        GIT_COMMITTER_EMAIL: committer.email,
        GIT_COMMITTER_DATE: committer.date,
      });
      return [201, { sha, tree: { sha: input.tree } }];
    }
    if (method === 'post' && rest === '/git/refs') {
      const ref = String(input.ref);
      if (!/^refs\/[^/]+\/.+/.test(ref)) return [422, { message: "Reference name must start with 'refs/' and have at least two slashes." }];
      if ((await revParse(ref)) !== null) return [422, { message: 'Reference already exists' }];
      if ((await git(gitDir, ['cat-file', '-t', String(input.sha)]).catch(() => null)) !== 'commit') return [422, { message: 'Object does not exist' }];
      await setRef(ref, String(input.sha));
      return [201, { ref, object: { sha: input.sha, type: 'commit' } }];
    }
    if (method === 'patch' && (match = /^\/git\/refs\/(.+)$/.exec(rest))) {
      const ref = `refs/${decodeURIComponent(match[1])}`;
      const current = await revParse(ref);
      if (current === null) return [422, { message: 'Reference does not exist' }];
      const sha = String(input.sha);
      if (input.force !== true && !(await isAncestor(current, sha))) return [422, { message: 'Update is not a fast forward' }];
      await setRef(ref, sha);
      return [200, { ref, object: { sha, type: 'commit' } }];
    }
    if (method === 'delete' && (match = /^\/git\/refs\/(.+)$/.exec(rest))) {
      const ref = `refs/${decodeURIComponent(match[1])}`;
      if ((await revParse(ref)) === null) return [422, { message: 'Reference does not exist' }];
      await git(gitDir, ['update-ref', '-d', ref]);
      // GitHub closes the open PRs whose head branch is deleted.
      for (const pull of pulls) if (pull.state === 'open' && `refs/heads/${pull.head.ref}` === ref) pull.state = 'closed';
      return [204, null];
    }
    if (method === 'get' && rest === '/pulls') {
      const wanted = query.get('state') ?? 'open';
      const head = query.get('head');
      const selected = pulls
        .filter((pull) => wanted === 'all' || pull.state === wanted)
        .filter((pull) => head === null || `${owner}:${pull.head.ref}` === head)
        .sort((a, b) => b.number - a.number);
      const [page, headers] = paginate(selected, query, self);
      // Only the served page, and only open PRs: a closed PR keeps the head it had (as on GitHub).
      for (const pull of page) if (pull.state === 'open') await refreshHead(pull);
      return [200, page.map(pullJson), headers];
    }
    if (method === 'get' && rest === '/issues') {
      // Pull requests are issues too; this fake holds no other issues. `labels` means all of them.
      const wanted = query.get('state') ?? 'open';
      const labels = (query.get('labels') ?? '').split(',').filter((label) => label !== '');
      const selected = pulls
        .filter((pull) => wanted === 'all' || pull.state === wanted)
        .filter((pull) => labels.every((label) => pull.labels.includes(label)))
        .sort((a, b) => b.number - a.number);
      const [page, headers] = paginate(selected, query, self);
      return [200, page.map(issueJson), headers];
    }
    if (method === 'post' && rest === '/pulls') {
      const tooLong = bodyTooLong('PullRequest', input.body);
      if (tooLong !== null) return tooLong;
      const head = String(input.head);
      const base = String(input.base);
      const headSha = await revParse(`refs/heads/${head}`);
      const baseSha = await revParse(`refs/heads/${base}`);
      if (baseSha === null) return validationFailed([{ resource: 'PullRequest', field: 'base', code: 'invalid' }]);
      if (headSha === null) return validationFailed([{ resource: 'PullRequest', field: 'head', code: 'invalid' }]);
      if (pulls.some((pull) => pull.state === 'open' && pull.head.ref === head)) {
        return validationFailed([{ resource: 'PullRequest', code: 'custom', message: `A pull request already exists for ${owner}:${head}.` }]);
      }
      if (await isAncestor(headSha, baseSha)) return validationFailed([{ resource: 'PullRequest', code: 'custom', message: `No commits between ${base} and ${head}` }]);
      const number = pulls.length + 1;
      const pull: FakePull = { number, node_id: `PR_${number}`, title: String(input.title), body: (input.body as string) ?? null, state: 'open', merged_at: null, head: { ref: head, sha: headSha }, base: { ref: base }, labels: [], comments: [], auto_merge: null };
      pulls.push(pull);
      return [201, pullJson(pull)];
    }
    if ((match = /^\/pulls\/(\d+)(\/merge)?$/.exec(rest))) {
      const pull = pulls.find((candidate) => candidate.number === Number(match![1]));
      if (pull === undefined) return [404, { message: 'Not Found' }];
      if (match[2] !== undefined && method === 'put') return mergeRequest(pull, input);
      if (method === 'get') {
        await refreshHead(pull);
        return [200, pullJson(pull)];
      }
      if (method === 'patch') {
        const tooLong = bodyTooLong('PullRequest', input.body);
        if (tooLong !== null) return tooLong;
        if (typeof input.base === 'string' && (await revParse(`refs/heads/${input.base}`)) === null) return validationFailed([{ resource: 'PullRequest', field: 'base', code: 'invalid' }]);
        if (typeof input.title === 'string') pull.title = input.title;
        if (typeof input.body === 'string') pull.body = input.body;
        if (typeof input.base === 'string') pull.base.ref = input.base;
        if (input.state === 'closed' || input.state === 'open') pull.state = input.state;
        return [200, pullJson(pull)];
      }
    }
    if ((match = /^\/issues\/(\d+)\/labels\/([^/]+)$/.exec(rest)) && method === 'delete') {
      const pull = pulls.find((candidate) => candidate.number === Number(match![1]));
      const name = decodeURIComponent(match[2]);
      if (pull === undefined || !pull.labels.includes(name)) return [404, { message: 'Label does not exist' }];
      pull.labels = pull.labels.filter((label) => label !== name);
      return [200, pull.labels.map((label) => ({ name: label }))];
    }
    if ((match = /^\/issues\/(\d+)\/(labels|comments)$/.exec(rest))) {
      const pull = pulls.find((candidate) => candidate.number === Number(match![1]));
      if (pull === undefined) return [404, { message: 'Not Found' }];
      if (match[2] === 'comments' && method === 'post') {
        const tooLong = bodyTooLong('IssueComment', input.body);
        if (tooLong !== null) return tooLong;
        pull.comments.push(String(input.body));
        return [201, { id: pull.comments.length, body: input.body }];
      }
      if (match[2] === 'comments' && method === 'get') {
        const [page, headers] = paginate(pull.comments.map((text, index) => ({ id: index + 1, body: text })), query, self);
        return [200, page, headers];
      }
      if (match[2] === 'labels' && method === 'get') return [200, pull.labels.map((name) => ({ name }))];
      if (match[2] === 'labels' && (method === 'post' || method === 'put')) {
        const labels = (input.labels as string[]) ?? [];
        pull.labels = method === 'put' ? [...labels] : [...new Set([...pull.labels, ...labels])];
        return [200, pull.labels.map((name) => ({ name }))];
      }
    }
    if (method === 'post' && rest === '/check-runs') {
      const outcome = input.status === 'completed' ? (input.conclusion === 'success' ? 'success' : 'failure') : 'pending';
      await addCheck({ sha: String(input.head_sha), name: String(input.name), outcome, kind: 'check-run' });
      return [201, { id: checks.length, name: input.name, head_sha: input.head_sha, status: input.status ?? 'queued', conclusion: input.conclusion ?? null }];
    }
    if (method === 'post' && (match = /^\/statuses\/([0-9a-f]{40})$/.exec(rest))) {
      const outcome = input.state === 'success' ? 'success' : input.state === 'pending' ? 'pending' : 'failure';
      await addCheck({ sha: match[1], name: String(input.context ?? 'default'), outcome, kind: 'status' });
      return [201, { id: checks.length, state: input.state, context: input.context ?? 'default' }];
    }
    if (method === 'get' && (match = /^\/commits\/(.+)\/(check-runs|status)$/.exec(rest))) {
      const sha = (await revParse(decodeURIComponent(match[1]))) ?? decodeURIComponent(match[1]);
      const mine = [...outcomesOf(sha)].filter(([name]) => checks.some((check) => check.sha === sha && check.name === name && check.kind === (match![2] === 'status' ? 'status' : 'check-run')));
      if (match[2] === 'check-runs') {
        const runs = mine.map(([name, outcome], index) => ({ id: index + 1, name, head_sha: sha, status: outcome === 'pending' ? 'in_progress' : 'completed', conclusion: outcome === 'pending' ? null : outcome }));
        return [200, { total_count: runs.length, check_runs: runs }];
      }
      const statuses = mine.map(([context, outcome]) => ({ context, state: outcome }));
      const combined = statuses.some((one) => one.state === 'failure') ? 'failure' : statuses.every((one) => one.state === 'success') && statuses.length > 0 ? 'success' : 'pending';
      return [200, { sha, state: combined, total_count: statuses.length, statuses }];
    }
    return [404, { message: `Not Found (the fake GitHub does not serve ${method.toUpperCase()} ${rest})` }];
  }

  async function addCheck(check: FakeCheck): Promise<void> {
    checks.push(check);
    await settleAutoMerges();
  }

  async function mergeRequest(pull: FakePull, input: Record<string, unknown>): Promise<[number, unknown]> {
    if (pull.state !== 'open') return [405, { message: 'Pull Request is not mergeable' }];
    await refreshHead(pull);
    const how = typeof input.merge_method === 'string' ? input.merge_method : 'merge';
    const refusal = METHOD_REFUSALS[how];
    if (refusal !== undefined && !settings[refusal.setting]) return [405, { message: refusal.rest }];
    if (typeof input.sha === 'string' && input.sha !== pull.head.sha) return [409, { message: 'Head branch was modified. Review and try the merge again.' }];
    const blocker = await mergeBlocker(pull);
    if (blocker !== null) return [405, { message: blocker }];
    return [200, { merged: true, sha: await merge(pull, how), message: 'Pull Request successfully merged' }];
  }

  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      void (async () => {
        const url = new URL(request.url ?? '/', 'http://localhost');
        const method = (request.method ?? 'GET').toLowerCase();
        const raw = Buffer.concat(chunks).toString('utf8');
        const body = raw === '' ? undefined : (JSON.parse(raw) as unknown);
        const recorded: RecordedRequest = { method, path: url.pathname, query: url.search, body, status: 0 };
        requests.push(recorded);
        const send = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
          recorded.status = status;
          response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
          response.end(status === 204 ? undefined : JSON.stringify(payload));
        };
        if (!/^(token|bearer) \S+/i.test(request.headers.authorization ?? '')) return send(401, { message: 'Requires authentication' });
        if (!url.pathname.endsWith('graphql')) {
          const problem = validateBody(method, url.pathname, body);
          if (problem !== null) {
            invalidBodies.push(problem);
            return send(422, { message: 'Invalid request', errors: [{ message: problem }] });
          }
        }
        const faultIndex = faults.findIndex(
          (fault) => (fault.method === undefined || fault.method === method) && (fault.path === undefined || url.pathname.includes(fault.path)) && (fault.body === undefined || raw.includes(fault.body)),
        );
        if (faultIndex !== -1) {
          const fault = faults[faultIndex];
          if (fault.always !== true) faults.splice(faultIndex, 1);
          if (fault.kind === '5xx') return send(502, { message: 'Server Error' });
          if (fault.kind === '429') return send(429, { message: 'Too Many Requests' }, { 'retry-after': '1' });
          if (fault.kind === 'answer') return send(fault.status ?? 422, { message: fault.message ?? 'Validation Failed' });
          return send(403, { message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.' }, { 'retry-after': '1' });
        }
        try {
          const [status, payload, headers] = await route(method, url.pathname, url.searchParams, body, request.headers.authorization);
          send(status, payload, headers);
        } catch (error) {
          send(500, { message: (error as Error).message });
        }
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    owner,
    repo,
    gitDir,
    pulls,
    settings,
    get protection() {
      return state.protection;
    },
    set protection(value) {
      state.protection = value;
    },
    checks,
    requests,
    invalidBodies,
    injectFault: (fault) => faults.push(fault),
    clearFaults: () => faults.splice(0, faults.length),
    branchSha: (branch) => revParse(`refs/heads/${branch}`),
    async addPastPull(past) {
      const number = pulls.length + 1;
      mainSha ??= (await revParse('refs/heads/main'))!;
      const pull: FakePull = {
        number,
        node_id: `PR_${number}`,
        title: past.title ?? `Past change ${number}`,
        body: past.body ?? null,
        state: 'closed',
        merged_at: past.merged === true ? new Date(0).toISOString() : null,
        head: { ref: past.branch, sha: mainSha },
        base: { ref: 'main' },
        labels: [...(past.labels ?? [])],
        comments: [],
        auto_merge: null,
      };
      pulls.push(pull);
      return pull;
    },
    async mergePull(number) {
      await merge(pulls.find((pull) => pull.number === number)!);
    },
    setCheck: (sha, name, outcome) => addCheck({ sha, name, outcome, kind: 'check-run' }),
    async pushAsPerson(branch, file, content) {
      const head = (await revParse(`refs/heads/${branch}`))!;
      const index = path.join(dir, `index-${Date.now()}-${Math.random()}`);
      const env = { GIT_INDEX_FILE: index };
      await git(gitDir, ['read-tree', head], undefined, env);
      const blob = await git(gitDir, ['hash-object', '-w', '--stdin'], content);
      await git(gitDir, ['update-index', '--add', '--cacheinfo', `100644,${blob},${file}`], undefined, env);
      const tree = await git(gitDir, ['write-tree'], undefined, env);
      await rm(index, { force: true });
      const commit = await git(gitDir, ['commit-tree', tree, '-p', head, '-m', `A person's change to ${file}`], undefined, person());
      await setRef(`refs/heads/${branch}`, commit);
      return commit;
    },
    async stop() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function person(): Record<string, string> {
  return { GIT_AUTHOR_NAME: 'A Person', GIT_AUTHOR_EMAIL: 'person@example.com', GIT_COMMITTER_NAME: 'A Person', GIT_COMMITTER_EMAIL: 'person@example.com' };
}
