/** The schemas are the single source of truth: the generated types and schemas/ must match them. */
import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { renderSchema } from '../../cli/commands/schemas.js';
import { GENERATED_TYPES_PATH, generateDocumentTypes } from '../../core/schemas/generate-types.js';
import { KINDS, SCHEMAS, fileNameOf } from '../../core/schemas/index.js';
import { PROJECT_ROOT } from '../support/example-repo.js';

type Schema = { type?: unknown; properties?: Record<string, Schema>; items?: Schema; additionalProperties?: unknown; description?: string };

describe('schemas', () => {
  it('generated document types are up to date (run npm run generate)', async () => {
    const committed = await readFile(path.join(PROJECT_ROOT, GENERATED_TYPES_PATH), 'utf8');
    assert.equal(committed, await generateDocumentTypes());
  });

  it('schemas/ holds the current schema of every kind (run slipway schemas)', async () => {
    for (const kind of KINDS) {
      const committed = await readFile(path.join(PROJECT_ROOT, 'schemas', `${fileNameOf(kind)}.json`), 'utf8');
      assert.equal(committed, renderSchema(kind), kind);
    }
  });

  it('closes every object and describes every field', () => {
    for (const kind of KINDS) {
      walk(SCHEMAS[kind] as Schema, kind, (schema, where) => {
        if (schema.properties !== undefined) assert.notEqual(schema.additionalProperties, undefined, `${where} must set additionalProperties`);
        assert.ok(typeof schema.description === 'string' || where.endsWith('[]') || where.endsWith('{}'), `${where} has no description`);
      });
    }
  });

  it('every example document names its schema for editors', async () => {
    const files = ['slipway.yaml'];
    for (const folder of ['catalog/features', 'catalog/models', 'environments', 'policies']) {
      const yamlFiles = (await readdir(path.join(PROJECT_ROOT, folder))).filter((file) => /\.ya?ml$/.test(file));
      files.push(...yamlFiles.map((file) => `${folder}/${file}`));
    }
    for (const file of files) {
      const text = await readFile(path.join(PROJECT_ROOT, file), 'utf8');
      const documents = text.split(/^---$/m);
      for (const document of documents) {
        const kind = /^kind: (\w+)$/m.exec(document)?.[1];
        assert.ok(kind, `${file}: a document without kind`);
        assert.match(document.trimStart(), new RegExp(`^# yaml-language-server: \\$schema=https://slipway.dev/schemas/v1alpha1/${fileNameOf(kind)}.json`), file);
      }
    }
  });
});

function walk(schema: Schema, where: string, visit: (schema: Schema, where: string) => void): void {
  visit(schema, where);
  for (const [name, child] of Object.entries(schema.properties ?? {})) walk(child, `${where}.${name}`, visit);
  if (schema.items !== undefined) walk(schema.items, `${where}[]`, visit);
  if (typeof schema.additionalProperties === 'object' && schema.additionalProperties !== null) walk(schema.additionalProperties as Schema, `${where}{}`, visit);
}
