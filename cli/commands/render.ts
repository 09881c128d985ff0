/** `slipway render`: writes `dist/<env>/` from the catalog, or checks that it is up to date. */
import path from 'node:path';
import { loadCatalogOrThrow } from '../../core/load/load-catalog.js';
import { formatProblem, RenderError, render, type Rendering } from '../../generators/render.js';
import { compareDist, ensureDist, isInSync, type DistDifference } from '../../generators/write-dist.js';
import { type Command, parseFlags, UsageError, UserError } from '../command.js';

export const command: Command = {
  summary: 'render the catalog to dist/<env>/ for Argo CD (--check: verify it is up to date)',
  usage: `
usage: slipway render [path] [--env E] [--check]

Renders every environment to dist/<env>/ (one YAML file per object) and the Argo CD objects to
dist/argocd/, validating every object against the Kubernetes and CRD schemas first. Files of
objects that no longer exist are removed; when anything fails validation nothing is written.
  --env E     render only environment E (dist/E/)
  --check     write nothing; exit 1 listing stale, missing and extra files when dist/ is out of date`,
  async run(args) {
    const { values, positionals } = parseFlags(args, { env: { type: 'string' }, check: { type: 'boolean' } });
    if (positionals.length > 1) throw new UsageError('render takes at most one path');
    const root = positionals[0] ?? '.';
    const distDir = path.join(root, 'dist');
    const started = performance.now();
    const catalog = await loadCatalogOrThrow(root);
    const rendering = renderOrExplain(catalog, values.env);
    if (values.check) {
      const difference = await compareDist(distDir, rendering);
      if (isInSync(difference)) {
        process.stderr.write(`${distDir}: up to date (${rendering.files.size} files, ${elapsed(started)} ms)\n`);
        return 0;
      }
      for (const line of describe(difference, CHECK_WORDS)) process.stdout.write(`${line}\n`);
      process.stderr.write(`${distDir}: out of date; run 'slipway render' and commit the result\n`);
      return 1;
    }
    const difference = await ensureDist(distDir, rendering);
    for (const line of describe(difference, WRITE_WORDS)) process.stdout.write(`${line}\n`);
    const changed = difference.stale.length + difference.missing.length + difference.extra.length;
    process.stderr.write(`${distDir}: ${rendering.files.size} files, ${changed} changed (${elapsed(started)} ms)\n`);
    return 0;
  },
};

function renderOrExplain(catalog: Parameters<typeof render>[0], environment: string | undefined): Rendering {
  try {
    return render(catalog, { environment });
  } catch (error) {
    if (!(error instanceof RenderError)) throw error;
    const lines = error.problems.map(formatProblem);
    throw new UserError(lines.length === 0 ? error.message : `${lines.join('\n')}\nslipway: ${lines.length} rendered object problem(s); nothing was written`);
  }
}

const CHECK_WORDS = { stale: 'stale', missing: 'missing', extra: 'extra' } as const;
const WRITE_WORDS = { stale: 'updated', missing: 'added', extra: 'removed' } as const;

/** One line per differing file, in path order: what happened to it, then its path. */
function describe(difference: DistDifference, words: Record<keyof DistDifference, string>): string[] {
  const lines: [string, string][] = [];
  for (const key of ['stale', 'missing', 'extra'] as const) {
    for (const file of difference[key]) lines.push([file, `${words[key].padEnd(8)} dist/${file}`]);
  }
  return lines.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([, line]) => line);
}

function elapsed(started: number): number {
  return Math.round(performance.now() - started);
}
