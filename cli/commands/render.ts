/** `slipway render`: writes `dist/<env>/`, the model-card pages and CODEOWNERS from the catalog, or checks that they are up to date. */
import { CODEOWNERS_FILE } from '../../core/codeowners.js';
import { loadCatalogOrThrow } from '../../core/load/load-catalog.js';
import { formatProblem, RenderError, render, type Rendering } from '../../generators/render.js';
import { compareRendered, ensureRendered, isInSync, type DistDifference } from '../../generators/write-dist.js';
import { type Command, parseFlags, UsageError, UserError } from '../command.js';

export const command: Command = {
  summary: 'render the catalog to dist/<env>/ for Argo CD, model-card pages and CODEOWNERS (--check: verify they are up to date)',
  usage: `
usage: slipway render [path] [--env E] [--check]

Renders every environment to dist/<env>/ (one YAML file per object) and the Argo CD objects to
dist/argocd/, validating every object against the Kubernetes and CRD schemas first. Also writes a
Markdown page beside each model card (catalog/models/<model>.md) and .github/CODEOWNERS (as
'slipway codeowners' does). Files of objects and pages of cards that no longer exist are removed;
when anything fails validation nothing is written.
  --env E     render only environment E (dist/E/); pages and CODEOWNERS are left alone
  --check     write nothing; exit 1 listing stale, missing and extra files when anything is out of date`,
  async run(args) {
    const { values, positionals } = parseFlags(args, { env: { type: 'string' }, check: { type: 'boolean' } });
    if (positionals.length > 1) throw new UsageError('render takes at most one path');
    const root = positionals[0] ?? '.';
    const started = performance.now();
    const catalog = await loadCatalogOrThrow(root);
    const rendering = renderOrExplain(catalog, values.env);
    const counted = countFiles(rendering);
    if (values.check) {
      const difference = await compareRendered(root, rendering);
      if (isInSync(difference)) {
        process.stderr.write(`${root}: up to date (${counted}, ${elapsed(started)} ms)\n`);
        return 0;
      }
      for (const line of describe(difference, CHECK_WORDS)) process.stdout.write(`${line}\n`);
      process.stderr.write(`${root}: out of date; run 'slipway render' and commit the result\n`);
      return 1;
    }
    const difference = await ensureRendered(root, rendering);
    for (const line of describe(difference, WRITE_WORDS)) process.stdout.write(`${line}\n`);
    const changed = difference.stale.length + difference.missing.length + difference.extra.length;
    process.stderr.write(`${root}: ${counted}, ${changed} changed (${elapsed(started)} ms)\n`);
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

/** `61 files in dist/, 1 model-card page and CODEOWNERS`, or only the dist/ count for one environment. */
function countFiles(rendering: Rendering): string {
  const dist = `${rendering.files.size} files in dist/`;
  if (rendering.repositoryFiles.size === 0) return dist;
  const pages = [...rendering.repositoryFiles.keys()].filter((file) => file !== CODEOWNERS_FILE).length;
  return `${dist}, ${pages} model-card page${pages === 1 ? '' : 's'} and CODEOWNERS`;
}

/** One line per differing file, in path order: what happened to it, then its repository path. */
function describe(difference: DistDifference, words: Record<keyof DistDifference, string>): string[] {
  const lines: [string, string][] = [];
  for (const key of ['stale', 'missing', 'extra'] as const) {
    for (const file of difference[key]) lines.push([file, `${words[key].padEnd(8)} ${file}`]);
  }
  return lines.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([, line]) => line);
}

function elapsed(started: number): number {
  return Math.round(performance.now() - started);
}
