/**
 * The layering every part's README states, checked on the sources: `core/` imports nothing of
 * ours, and a part imports `core/` (training also `features/`) but never a sibling part. Only the
 * command line, the benches and the tests put parts together.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { PROJECT_ROOT } from '../support/example-repo.js';

/** Which of our top-level folders each part may import, besides itself. */
const MAY_IMPORT: Readonly<Record<string, readonly string[]>> = {
  core: [],
  features: ['core'],
  training: ['core', 'features'],
  generators: ['core'],
  runtime: ['core'],
  controllers: ['core'],
};

/** Static `import … from`, `export … from`, side-effect `import '…'` and dynamic `import('…')`. */
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)['"]([^'"]+)['"]/gm;

interface Violation {
  readonly file: string;
  readonly line: number;
  readonly imports: string;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

/** The top-level folder of ours that `specifier`, imported from `file`, lands in; null for packages. */
function targetPart(file: string, specifier: string): string | null {
  if (!specifier.startsWith('.')) return null;
  const target = path.relative(PROJECT_ROOT, path.resolve(path.dirname(file), specifier));
  return target.split(path.sep)[0] ?? null;
}

function violations(part: string): Violation[] {
  const allowed = new Set([part, ...(MAY_IMPORT[part] ?? [])]);
  return sourceFiles(path.join(PROJECT_ROOT, part)).flatMap((file) => {
    const text = readFileSync(file, 'utf8');
    return [...text.matchAll(SPECIFIER)].flatMap((match) => {
      const specifier = match[1] as string;
      const target = targetPart(file, specifier);
      if (target === null || allowed.has(target)) return [];
      const line = text.slice(0, match.index).split('\n').length;
      return [{ file: path.relative(PROJECT_ROOT, file), line, imports: specifier }];
    });
  });
}

describe('dependency rules', () => {
  for (const [part, allowed] of Object.entries(MAY_IMPORT)) {
    const rule = allowed.length === 0 ? 'nothing of ours' : `only ${allowed.map((name) => `${name}/`).join(' and ')}`;
    it(`${part}/ imports ${rule}`, () => {
      const found = violations(part);
      assert.deepEqual(found.map((v) => `${v.file}:${v.line} imports ${v.imports}`), []);
    });
  }

  it('sees an import that breaks a rule (the check itself works)', () => {
    const file = path.join(PROJECT_ROOT, 'runtime', 'example.ts');
    assert.equal(targetPart(file, '../controllers/reconcile.js'), 'controllers');
    assert.equal(targetPart(file, './batcher.js'), 'runtime');
    assert.equal(targetPart(file, 'ioredis'), null);
    const text = "import { a } from '../core/x.js';\nexport { b } from '../generators/y.js';\nconst c = await import('../cli/z.js');\nimport '../training/w.js';";
    assert.deepEqual([...text.matchAll(SPECIFIER)].map((match) => match[1]), ['../core/x.js', '../generators/y.js', '../cli/z.js', '../training/w.js']);
  });
});
