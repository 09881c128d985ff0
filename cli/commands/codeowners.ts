/** `slipway codeowners`: writes or checks `.github/CODEOWNERS` from the documents' owners. */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { CODEOWNERS_FILE, renderCodeowners, unusableOwners } from '../../core/codeowners.js';
import { loadCatalogOrThrow } from '../../core/load/load-catalog.js';
import { modelCardPageSources } from '../../generators/model-card-page.js';
import { type Command, parseFlags, UsageError, UserError } from '../command.js';

export const command: Command = {
  summary: 'generate .github/CODEOWNERS from each document\'s metadata.owner',
  usage: `
usage: slipway codeowners [path] [--check]

Writes .github/CODEOWNERS so that every document file (and the page 'slipway render' writes beside
each model card) needs a review from the teams named in its documents' metadata.owner
('slipway render' writes the same file). On a GitHub forge (slipway.yaml spec.forge.repository 'org/repo') an
owner becomes the team '@org/<owner>'; otherwise '@<owner>'.
  --check   write nothing; exit 1 when .github/CODEOWNERS is missing or stale`,
  async run(args) {
    const { values, positionals } = parseFlags(args, { check: { type: 'boolean' } });
    if (positionals.length > 1) throw new UsageError('codeowners takes at most one path');
    const root = positionals[0] ?? '.';
    const catalog = await loadCatalogOrThrow(root);
    const [unusable] = unusableOwners(catalog);
    if (unusable !== undefined) {
      const { file, line, column } = unusable.declaredAt;
      throw new UserError(
        `${file}:${line}:${column}: metadata.owner '${unusable.owner}' of ${unusable.kind} '${unusable.name}' is not a GitHub team or user name (letters, digits, '-', '_', '.')`,
      );
    }
    // The same text as `slipway render` writes: the model-card pages are owned like their cards.
    const wanted = renderCodeowners(catalog, modelCardPageSources(catalog));
    const target = path.join(root, CODEOWNERS_FILE);
    const current = await readFile(target, 'utf8').catch(() => null);
    if (values.check) {
      if (current === wanted) return 0;
      const problem = current === null ? 'is missing' : 'is stale';
      process.stderr.write(`slipway: ${target} ${problem}; run 'slipway codeowners${root === '.' ? '' : ` ${root}`}' and commit it\n`);
      return 1;
    }
    if (current !== wanted) {
      await mkdir(path.dirname(target), { recursive: true });
      await writeFile(target, wanted);
    }
    process.stderr.write(`${target}: ${current === wanted ? 'up to date' : 'written'}\n`);
    return 0;
  },
};
