/** `slipway diff --base <ref>`: what a change does to every environment's rendered manifests. */
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Catalog } from '../../core/catalog.js';
import { formatDiagnostic } from '../../core/diagnostics.js';
import { loadCatalog } from '../../core/load/load-catalog.js';
import { compareRenderings, formatMarkdown, formatText } from '../../generators/compare-renderings.js';
import { formatProblem, RenderError, render } from '../../generators/render.js';
import { type Command, oneOf, parseFlags, UsageError, UserError } from '../command.js';

const run = promisify(execFile);
const FORMATS = ['text', 'markdown'] as const;

export const command: Command = {
  summary: 'render a git ref and the working tree and show what changes per environment',
  usage: `
usage: slipway diff [path] --base <git-ref> [--format text|markdown]

Renders the repository as it is at <git-ref> and as it is in the working tree (not dist/ on disk),
then prints one summary line per environment ("prod: 2 changed, 1 added, 0 removed"), the changes
that matter (model versions, canary weights, replicas, images, alert thresholds, training runs),
and the unified diff of every changed object, grouped by environment.
  --base REF          the git ref to compare with, e.g. origin/main (required)
  --format text       plain text (default)
  --format markdown   a pull request comment`,
  async run(args) {
    const { values, positionals } = parseFlags(args, { base: { type: 'string' }, format: { type: 'string' } });
    if (positionals.length > 1) throw new UsageError('diff takes at most one path');
    if (values.base === undefined) throw new UsageError('--base <git-ref> is required');
    const format = oneOf('format', values.format, FORMATS, 'text');
    const root = path.resolve(positionals[0] ?? '.');
    const baseFiles = await withCheckout(root, values.base, async (baseRoot) => renderFiles(await loadOrExplain(baseRoot, `base ${values.base}`), `base ${values.base}`));
    const headFiles = renderFiles(await loadOrExplain(root, 'working tree'), 'working tree');
    const changes = compareRenderings(baseFiles, headFiles);
    process.stdout.write(format === 'markdown' ? formatMarkdown(changes) : formatText(changes));
    return 0;
  },
};

async function loadOrExplain(root: string, what: string): Promise<Catalog> {
  const result = await loadCatalog(root);
  if (result.ok) return result.catalog;
  const first = result.diagnostics.slice(0, 5).map(formatDiagnostic).join('\n');
  throw new UserError(`the ${what} does not load (${result.diagnostics.length} problem(s)):\n${first}`);
}

function renderFiles(catalog: Catalog, what: string): ReadonlyMap<string, string> {
  try {
    return render(catalog).files;
  } catch (error) {
    if (error instanceof RenderError) throw new UserError(`the ${what} does not render:\n${error.problems.map(formatProblem).join('\n') || error.message}`);
    throw error;
  }
}

/** Extracts the repository at `ref` into a temporary directory (git archive: the checkout itself is untouched). */
async function withCheckout<T>(root: string, ref: string, use: (checkoutRoot: string) => Promise<T>): Promise<T> {
  const top = await git(root, ['rev-parse', '--show-toplevel'], `${root} is not inside a git repository`);
  const commit = await git(top, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], `'${ref}' is not a commit in ${top}`);
  const relative = path.relative(top, root);
  const temporary = await mkdtemp(path.join(tmpdir(), 'slipway-diff-'));
  try {
    await extract(top, commit, relative, temporary);
    return await use(path.join(temporary, relative));
  } finally {
    await rm(temporary, { recursive: true, force: true });
  }
}

async function git(cwd: string, args: string[], failure: string): Promise<string> {
  try {
    return (await run('git', args, { cwd })).stdout.trim();
  } catch {
    throw new UserError(failure);
  }
}

function extract(top: string, commit: string, relative: string, into: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const archive = spawn('git', ['archive', '--format=tar', commit, ...(relative === '' ? [] : ['--', relative])], { cwd: top, stdio: ['ignore', 'pipe', 'pipe'] });
    const tar = spawn('tar', ['-x', '-C', into], { stdio: ['pipe', 'ignore', 'pipe'] });
    let errors = '';
    archive.stderr.on('data', (chunk) => (errors += chunk));
    tar.stderr.on('data', (chunk) => (errors += chunk));
    archive.stdout.pipe(tar.stdin);
    let pending = 2;
    const done = (code: number | null) => {
      if (code !== 0) reject(new UserError(`could not extract ${commit.slice(0, 12)}: ${errors.trim()}`));
      else if (--pending === 0) resolve();
    };
    archive.on('error', reject);
    tar.on('error', reject);
    archive.on('close', done);
    tar.on('close', done);
  });
}
