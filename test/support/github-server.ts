/**
 * A loopback server that follows GitHub's REST shapes over a real bare Git repository: the Git data
 * API (blobs, trees, commits, refs), pulls, labels, comments, merges and GraphQL auto-merge. Every
 * request body is validated against GitHub's own OpenAPI description (`@octokit/openapi`), and
 * faults (5xx, secondary rate limits, 429 with retry-after) can be injected.
 */
import { execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
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

/** A fault served instead of the next matching request. */
export interface Fault {
  readonly method?: string;
  /** Substring of the request path. */
  readonly path?: string;
  readonly kind: '5xx' | 'secondary-rate-limit' | '429';
}

/** One request the bot sent. */
export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
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
  readonly requests: RecordedRequest[];
  /** Request bodies that did not match GitHub's OpenAPI description (should stay empty). */
  readonly invalidBodies: string[];
  injectFault(fault: Fault): void;
  /** Branch head in the bare repository, or null. */
  branchSha(branch: string): Promise<string | null>;
  /** Merges a PR as a person would on github.com. */
  mergePull(number: number): Promise<void>;
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
  if (validate(body)) return null;
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
  const prefix = `/repos/${owner}/${repo}`;
  let port = 0;

  const revParse = async (ref: string) => git(gitDir, ['rev-parse', '--verify', '--quiet', ref]).catch(() => null);
  const pullJson = (pull: FakePull) => ({
    ...pull,
    html_url: `http://127.0.0.1:${port}/${owner}/${repo}/pull/${pull.number}`,
    head: { ...pull.head, repo: { full_name: `${owner}/${repo}` } },
    labels: pull.labels.map((name) => ({ name })),
    comments: pull.comments.length,
  });
  const refreshHead = async (pull: FakePull) => {
    pull.head.sha = (await revParse(`refs/heads/${pull.head.ref}`)) ?? pull.head.sha;
  };
  const merge = async (pull: FakePull) => {
    await refreshHead(pull);
    const base = (await revParse(`refs/heads/${pull.base.ref}`))!;
    const tree = (await git(gitDir, ['merge-tree', '--write-tree', base, pull.head.sha])).split('\n')[0];
    const commit = await git(gitDir, ['commit-tree', tree, '-p', base, '-p', pull.head.sha, '-m', `Merge pull request #${pull.number} from ${pull.head.ref}`], undefined, person());
    await git(gitDir, ['update-ref', `refs/heads/${pull.base.ref}`, commit, base]);
    pull.state = 'closed';
    pull.merged_at = new Date().toISOString();
    return commit;
  };

  async function route(method: string, pathname: string, query: URLSearchParams, body: unknown): Promise<[number, unknown, Record<string, string>?]> {
    if (method === 'post' && (pathname === '/graphql' || pathname === '/api/graphql')) {
      const { query: text, variables } = body as { query?: string; variables?: { id?: string } };
      if (typeof text !== 'string' || !/enablePullRequestAutoMerge/.test(text)) return [200, { errors: [{ message: 'unsupported query' }] }];
      const pull = pulls.find((candidate) => candidate.node_id === variables?.id);
      if (pull === undefined) return [200, { errors: [{ message: 'Could not resolve to a node' }] }];
      pull.auto_merge = { merge_method: 'merge' };
      return [200, { data: { enablePullRequestAutoMerge: { pullRequest: { number: pull.number } } } }];
    }
    if (!pathname.startsWith(prefix)) return [404, { message: 'Not Found' }];
    const rest = pathname.slice(prefix.length);
    const input = (body ?? {}) as Record<string, unknown>;
    let match: RegExpExecArray | null;
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
      const { writeFile } = await import('node:fs/promises');
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
      if ((await revParse(ref)) !== null) return [422, { message: 'Reference already exists' }];
      await git(gitDir, ['update-ref', ref, String(input.sha)]);
      return [201, { ref, object: { sha: input.sha, type: 'commit' } }];
    }
    if (method === 'patch' && (match = /^\/git\/refs\/(.+)$/.exec(rest))) {
      const ref = decodeURIComponent(match[1]);
      await git(gitDir, ['update-ref', `refs/${ref}`, String(input.sha)]);
      return [200, { ref: `refs/${ref}`, object: { sha: input.sha, type: 'commit' } }];
    }
    if (method === 'get' && rest === '/pulls') {
      const state = query.get('state') ?? 'open';
      const head = query.get('head');
      for (const pull of pulls) await refreshHead(pull);
      const selected = pulls
        .filter((pull) => state === 'all' || pull.state === state)
        .filter((pull) => head === null || `${owner}:${pull.head.ref}` === head)
        .sort((a, b) => b.number - a.number);
      return [200, selected.map(pullJson)];
    }
    if (method === 'post' && rest === '/pulls') {
      const head = String(input.head);
      if ((await revParse(`refs/heads/${head}`)) === null) return [422, { message: 'Validation Failed', errors: [{ message: `head ${head} does not exist` }] }];
      if (pulls.some((pull) => pull.state === 'open' && pull.head.ref === head)) {
        return [422, { message: 'Validation Failed', errors: [{ message: `A pull request already exists for ${owner}:${head}.` }] }];
      }
      const number = pulls.length + 1;
      const pull: FakePull = { number, node_id: `PR_${number}`, title: String(input.title), body: (input.body as string) ?? null, state: 'open', merged_at: null, head: { ref: head, sha: '' }, base: { ref: String(input.base) }, labels: [], comments: [], auto_merge: null };
      await refreshHead(pull);
      pulls.push(pull);
      return [201, pullJson(pull)];
    }
    if ((match = /^\/pulls\/(\d+)(\/merge)?$/.exec(rest))) {
      const pull = pulls.find((candidate) => candidate.number === Number(match![1]));
      if (pull === undefined) return [404, { message: 'Not Found' }];
      if (match[2] !== undefined && method === 'put') {
        if (pull.state !== 'open') return [405, { message: 'Pull Request is not mergeable' }];
        return [200, { merged: true, sha: await merge(pull), message: 'Pull Request successfully merged' }];
      }
      if (method === 'get') {
        await refreshHead(pull);
        return [200, pullJson(pull)];
      }
      if (method === 'patch') {
        if (typeof input.title === 'string') pull.title = input.title;
        if (typeof input.body === 'string') pull.body = input.body;
        if (typeof input.base === 'string') pull.base.ref = input.base;
        if (input.state === 'closed' || input.state === 'open') pull.state = input.state;
        return [200, pullJson(pull)];
      }
    }
    if ((match = /^\/issues\/(\d+)\/(labels|comments)$/.exec(rest))) {
      const pull = pulls.find((candidate) => candidate.number === Number(match![1]));
      if (pull === undefined) return [404, { message: 'Not Found' }];
      if (match[2] === 'comments' && method === 'post') {
        pull.comments.push(String(input.body));
        return [201, { id: pull.comments.length, body: input.body }];
      }
      if (match[2] === 'labels' && (method === 'post' || method === 'put')) {
        const labels = (input.labels as string[]) ?? [];
        pull.labels = method === 'put' ? [...labels] : [...new Set([...pull.labels, ...labels])];
        return [200, pull.labels.map((name) => ({ name }))];
      }
    }
    return [404, { message: `Not Found (the fake GitHub does not serve ${method.toUpperCase()} ${rest})` }];
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
        const recorded: RecordedRequest = { method, path: url.pathname, body, status: 0 };
        requests.push(recorded);
        const send = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
          recorded.status = status;
          response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
          response.end(JSON.stringify(payload));
        };
        if (!/^(token|bearer) \S+/i.test(request.headers.authorization ?? '')) return send(401, { message: 'Requires authentication' });
        if (!url.pathname.endsWith('graphql')) {
          const problem = validateBody(method, url.pathname, body);
          if (problem !== null) {
            invalidBodies.push(problem);
            return send(422, { message: 'Invalid request', errors: [{ message: problem }] });
          }
        }
        const faultIndex = faults.findIndex((fault) => (fault.method === undefined || fault.method === method) && (fault.path === undefined || url.pathname.includes(fault.path)));
        if (faultIndex !== -1) {
          const [fault] = faults.splice(faultIndex, 1);
          if (fault.kind === '5xx') return send(502, { message: 'Server Error' });
          if (fault.kind === '429') return send(429, { message: 'Too Many Requests' }, { 'retry-after': '1' });
          return send(403, { message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.' }, { 'retry-after': '1' });
        }
        try {
          const [status, payload, headers] = await route(method, url.pathname, url.searchParams, body);
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
    requests,
    invalidBodies,
    injectFault: (fault) => faults.push(fault),
    branchSha: (branch) => revParse(`refs/heads/${branch}`),
    async mergePull(number) {
      await merge(pulls.find((pull) => pull.number === number)!);
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
