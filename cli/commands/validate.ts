/** `slipway validate`: checks a repository and reports every problem with its location. */
import { formatDiagnostic, formatGithubAnnotation } from '../../core/diagnostics.js';
import { loadCatalog } from '../../core/load/load-catalog.js';
import { type Command, oneOf, parseFlags, UsageError } from '../command.js';

const FORMATS = ['text', 'json', 'github'] as const;

export const command: Command = {
  summary: 'check the repository against the schemas and cross-document rules',
  usage: `
usage: slipway validate [path] [--format text|json|github]

Checks slipway.yaml and every document under catalog/, environments/ and policies/.
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
    const elapsedMs = Math.round(performance.now() - started);
    const diagnostics = result.ok ? [] : result.diagnostics;
    if (format === 'json') {
      process.stdout.write(`${JSON.stringify({ valid: result.ok, documents: result.documents, problems: diagnostics }, null, 2)}\n`);
    } else {
      const line = format === 'github' ? formatGithubAnnotation : formatDiagnostic;
      for (const diagnostic of diagnostics) process.stdout.write(`${line(diagnostic)}\n`);
      const verdict = result.ok ? 'valid' : `${diagnostics.length} problem${diagnostics.length === 1 ? '' : 's'}`;
      process.stderr.write(`${root}: ${result.documents} documents, ${verdict} (${elapsedMs} ms)\n`);
    }
    return result.ok ? 0 : 1;
  },
};
