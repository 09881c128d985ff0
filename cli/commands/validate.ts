/** `slipway validate`: checks a repository and reports every problem with its location. */
import path from 'node:path';
import type { Catalog } from '../../core/catalog.js';
import { CODEOWNERS_FILE } from '../../core/codeowners.js';
import { type Diagnostic, formatDiagnostic, formatGithubAnnotation } from '../../core/diagnostics.js';
import { policiesRequiringRenderedDist } from '../../core/guardrails/check-guardrails.js';
import { loadCatalog } from '../../core/load/load-catalog.js';
import { type Command, oneOf, parseFlags, UsageError } from '../command.js';

const FORMATS = ['text', 'json', 'github'] as const;

export const command: Command = {
  summary: 'check the repository against the schemas, cross-document rules and guardrails',
  usage: `
usage: slipway validate [path] [--format text|json|github]

Checks slipway.yaml and every document under catalog/, environments/ and policies/, then the
GuardrailPolicy rules (including, when a policy asks for it, that dist/ is what the catalog renders).
Exits 0 when the repository is valid, 1 when it has problems, 2 on a usage error.
  --format text     file:line:column: path: message (default)
  --format json     one JSON object with every problem
  --format github   GitHub Actions annotations on the pull request`,
  async run(args) {
    const { values, positionals } = parseFlags(args, { format: { type: 'string' } });
    if (positionals.length > 1) throw new UsageError('validate takes at most one path');
    const format = oneOf('format', values.format, FORMATS, 'text');
    const root = positionals[0] ?? '.';
    const started = performance.now();
    const result = await loadCatalog(root);
    const diagnostics = result.ok ? await renderedDistProblems(root, result.catalog) : result.diagnostics;
    const valid = diagnostics.length === 0;
    const elapsedMs = Math.round(performance.now() - started);
    if (format === 'json') {
      process.stdout.write(`${JSON.stringify({ valid, documents: result.documents, problems: diagnostics }, null, 2)}\n`);
    } else {
      const line = format === 'github' ? formatGithubAnnotation : formatDiagnostic;
      for (const diagnostic of diagnostics) process.stdout.write(`${line(diagnostic)}\n`);
      const verdict = valid ? 'valid' : `${diagnostics.length} problem${diagnostics.length === 1 ? '' : 's'}`;
      process.stderr.write(`${root}: ${result.documents} documents, ${verdict} (${elapsedMs} ms)\n`);
    }
    return valid ? 0 : 1;
  },
};

/**
 * The `renderedDist` guardrail: every file of dist/, and every model-card page, that differs from
 * what the catalog renders is a problem naming the policy. Lives here, not in core/, because
 * rendering is a generator's job.
 */
async function renderedDistProblems(root: string, catalog: Catalog): Promise<Diagnostic[]> {
  const policies = policiesRequiringRenderedDist(catalog);
  if (policies.length === 0) return [];
  const names = policies.map((policy) => `'${policy.name}'`).join(', ');
  const problem = (file: string, message: string): Diagnostic => ({ file, line: 1, column: 1, path: '', message: `guardrail ${names}: ${message}`, rule: 'guardrail' });
  // Loaded only when a policy asks: cdk8s and the Kubernetes schemas cost most of a second to load.
  const { RenderError, formatProblem, render } = await import('../../generators/render.js');
  const { compareRendered } = await import('../../generators/write-dist.js');
  let rendering;
  try {
    rendering = render(catalog);
  } catch (error) {
    if (!(error instanceof RenderError)) throw error;
    return error.problems.map((objectProblem) => problem('dist', `the catalog does not render: ${formatProblem(objectProblem)}`));
  }
  // CODEOWNERS has its own check, `slipway codeowners --check`; this guardrail is about what is rendered for review and deployment.
  const repositoryFiles = new Map([...rendering.repositoryFiles].filter(([file]) => file !== CODEOWNERS_FILE));
  const difference = await compareRendered(root, { ...rendering, repositoryFiles });
  return [
    ...difference.stale.map((file) => problem(file, "differs from what the catalog renders; run 'slipway render' and commit the result")),
    ...difference.missing.map((file) => problem(file, "is missing; run 'slipway render' and commit the result")),
    ...difference.extra.map((file) => problem(file, "renders from nothing in the catalog; run 'slipway render' to remove it")),
  ].sort((a, b) => a.file.localeCompare(b.file));
}
