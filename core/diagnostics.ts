/**
 * Problems found in a repository, each tied to a file, line, column and JSON path, and the three
 * ways `slipway validate` prints them.
 */

/** Where in the repository a value came from. Lines and columns are 1-based. */
export interface SourcePosition {
  /** Path relative to the repository root, with `/` separators. */
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

/** One problem with a repository. */
export interface Diagnostic extends SourcePosition {
  /** JSON path of the offending value inside its document, e.g. `spec.deployments[0].stable`. */
  readonly path: string;
  /** A plain sentence a person can act on. */
  readonly message: string;
  /** The rule that was broken, stable across releases so that tools can group by it. */
  readonly rule: string;
}

/** Thrown when a repository does not load; carries every problem found, not only the first. */
export class CatalogError extends Error {
  readonly diagnostics: readonly Diagnostic[];

  constructor(diagnostics: readonly Diagnostic[]) {
    super(
      `the repository has ${diagnostics.length} problem${diagnostics.length === 1 ? '' : 's'}:\n` +
        diagnostics.map(formatDiagnostic).join('\n'),
    );
    this.name = 'CatalogError';
    this.diagnostics = diagnostics;
  }
}

/** `file:line:column: path: message` — the form editors and terminals turn into links. */
export function formatDiagnostic(diagnostic: Diagnostic): string {
  const where = `${diagnostic.file}:${diagnostic.line}:${diagnostic.column}`;
  const path = diagnostic.path === '' ? '' : `${diagnostic.path}: `;
  return `${where}: ${path}${diagnostic.message} [${diagnostic.rule}]`;
}

/** A GitHub Actions workflow command that shows the problem inline on the pull request. */
export function formatGithubAnnotation(diagnostic: Diagnostic): string {
  const message = `${diagnostic.path === '' ? '' : `${diagnostic.path}: `}${diagnostic.message}`;
  return (
    `::error file=${escapeProperty(diagnostic.file)},line=${diagnostic.line},col=${diagnostic.column},` +
    `title=${escapeProperty(`slipway ${diagnostic.rule}`)}::${escapeData(message)}`
  );
}

// GitHub's workflow command escaping (actions/toolkit core/src/command.ts).
function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

/** Orders diagnostics by file, then position, so that output is stable and reads top-down. */
export function sortDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return [...diagnostics].sort(
    (a, b) =>
      a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column || a.path.localeCompare(b.path),
  );
}
