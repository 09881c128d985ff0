/** `slipway init <dir>`: scaffolds a new Slipway repository that validates as it is. */
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CatalogError } from '../../core/diagnostics.js';
import { loadCatalog } from '../../core/load/load-catalog.js';
import { render } from '../../generators/render.js';
import { ensureRendered } from '../../generators/write-dist.js';
import { type Command, parseFlags, UsageError, UserError } from '../command.js';

/**
 * The scaffold's files, kept as real files so that they can be read and reviewed as what they are.
 * Resolved from the project root: this module runs as `build/cli/commands/init.js`, and the
 * templates are not compiled, so they stay at `cli/templates/init/` (the Dockerfile copies them).
 */
export const TEMPLATE_DIR = fileURLToPath(new URL('../../../cli/templates/init/', import.meta.url));

// Dot-files are stored as `dot-<name>`: npm drops `.gitignore` and `.npmrc` from packages, and a
// live `.gitignore` inside the templates would change what Git tracks here.
const DOT_PREFIX = 'dot-';

// Names become Kubernetes namespaces `<name>-<environment>` (at most 63 characters).
const NAME_PATTERN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const NAME_MAX_LENGTH = 50;
const OWNER_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/** The values substituted into the templates. */
export interface InitOptions {
  /** The project's `metadata.name`, `{{name}}` in the templates. */
  readonly name: string;
  /** The team owning every scaffolded document, `{{owner}}` in the templates. */
  readonly owner: string;
}

export const command: Command = {
  summary: 'scaffold a new Slipway repository in an empty directory',
  usage: `
usage: slipway init <dir> [--name NAME] [--owner TEAM]

Creates a Slipway repository in <dir> (which must be new or empty): slipway.yaml, an entity and a
feature view, a model card, dev/staging/prod environments, promotion, rollout, drift and guardrail
policies, the GitHub workflows, .github/CODEOWNERS, .npmrc, .gitignore, a README and dist/.
It validates, renders and passes 'render --check' and 'codeowners --check' as it is.
  --name NAME    project name, a DNS-1123 label of at most ${NAME_MAX_LENGTH} characters (default: <dir>'s name)
  --owner TEAM   team that owns every document (default: ml-platform)`,
  async run(args) {
    const { values, positionals } = parseFlags(args, { name: { type: 'string' }, owner: { type: 'string' } });
    if (positionals.length !== 1) throw new UsageError('init takes exactly one directory');
    const target = positionals[0];
    const options = checkOptions({ name: values.name ?? path.basename(path.resolve(target)), owner: values.owner ?? 'ml-platform' }, values.name !== undefined);
    await ensureEmptyDirectory(target);
    const files = await scaffold(target, options);
    const rendered = files.filter((file) => file.startsWith('dist/'));
    process.stdout.write(`created ${target} (${files.length} files)\n`);
    for (const file of files.filter((candidate) => !candidate.startsWith('dist/'))) process.stdout.write(`  ${file}\n`);
    process.stdout.write(`  dist/ (${rendered.length} rendered manifests)\n`);
    process.stdout.write(`\nnext: cd ${target} && npm install && npx slipway validate\n`);
    return 0;
  },
};

/** Writes the templates into `target`, then CODEOWNERS and `dist/`; returns the files written, sorted. */
export async function scaffold(target: string, options: InitOptions): Promise<string[]> {
  const written: string[] = [];
  for (const template of await listFiles(TEMPLATE_DIR)) {
    const relative = template.split('/').map(undot).join('/');
    const text = substitute(await readFile(path.join(TEMPLATE_DIR, template), 'utf8'), options);
    await mkdir(path.dirname(path.join(target, relative)), { recursive: true });
    await writeFile(path.join(target, relative), text);
    written.push(relative);
  }
  // Loading the scaffold both proves it valid and gives what CODEOWNERS and dist/ are made from,
  // so that its first pull request passes `codeowners --check` and `render --check` as it is.
  const loaded = await loadCatalog(target);
  if (!loaded.ok) throw new Error('the init templates do not validate', { cause: new CatalogError(loaded.diagnostics) });
  // The rendering holds CODEOWNERS and the model-card pages beside the dist/ files.
  const rendering = render(loaded.catalog);
  await ensureRendered(target, rendering);
  written.push(...rendering.repositoryFiles.keys(), ...[...rendering.files.keys()].map((file) => `dist/${file}`));
  return written.sort();
}

/** Replaces `{{name}}` and `{{owner}}`; GitHub's `${{ … }}` expressions are left alone. */
export function substitute(text: string, options: InitOptions): string {
  return text.replaceAll('{{name}}', options.name).replaceAll('{{owner}}', options.owner);
}

function checkOptions(options: InitOptions, nameGiven: boolean): InitOptions {
  if (!NAME_PATTERN.test(options.name) || options.name.length > NAME_MAX_LENGTH) {
    const how = nameGiven ? '' : `; pass --name with one (the default is the directory's name)`;
    throw new UsageError(
      `project name '${options.name}' must be lowercase letters, digits and '-', start and end with a letter or digit, at most ${NAME_MAX_LENGTH} characters${how}`,
    );
  }
  if (!OWNER_PATTERN.test(options.owner)) {
    throw new UsageError(`--owner '${options.owner}' must be a GitHub team or user name (letters, digits, '-', '_', '.')`);
  }
  return options;
}

async function ensureEmptyDirectory(target: string): Promise<void> {
  const found = await stat(target).catch(() => null);
  if (found === null) return;
  if (!found.isDirectory()) throw new UserError(`${target} exists and is not a directory`);
  const entries = await readdir(target);
  if (entries.length > 0) {
    throw new UserError(`${target} is not empty (${entries.length} entr${entries.length === 1 ? 'y' : 'ies'}); slipway init only scaffolds into a new or empty directory`);
  }
}

async function listFiles(root: string, prefix = ''): Promise<string[]> {
  const files: string[] = [];
  const entries = await readdir(path.join(root, prefix), { withFileTypes: true }).catch((error: unknown) => {
    throw new Error(`reading the init templates at ${root}`, { cause: error });
  });
  for (const entry of entries) {
    const relative = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
    if (entry.isDirectory()) files.push(...(await listFiles(root, relative)));
    else if (entry.isFile()) files.push(relative);
  }
  return files.sort();
}

function undot(segment: string): string {
  return segment.startsWith(DOT_PREFIX) ? `.${segment.slice(DOT_PREFIX.length)}` : segment;
}
