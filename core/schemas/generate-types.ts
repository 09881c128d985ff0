/**
 * Writes `documents.generated.ts`, the TypeScript types of every document kind, from the schemas.
 * Run with `npm run generate`; a test fails when the committed file is stale.
 */
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { compile } from 'json-schema-to-typescript';
import { KINDS, SCHEMAS } from './index.js';

const HEADER = `/**
 * The raw document types, generated from the JSON Schemas in core/schemas by
 * \`npm run generate\`. Do not edit: change the schema and regenerate.
 */
/* eslint-disable */
`;

/** The generated module's text. */
export async function generateDocumentTypes(): Promise<string> {
  const parts: string[] = [HEADER];
  for (const kind of KINDS) {
    const schema = structuredClone(SCHEMAS[kind]) as Record<string, unknown>;
    delete schema.$id;
    schema.title = `${kind}Document`;
    const source = await compile(schema as never, `${kind}Document`, {
      bannerComment: '',
      additionalProperties: false,
      strictIndexSignatures: false,
      format: true,
      declareExternallyReferenced: true,
      ignoreMinAndMaxItems: true,
      unknownAny: true,
    });
    parts.push(`// ${kind}\n${source.trim()}\n`);
  }
  return parts.join('\n');
}

/** Where the generated module lives in the source tree. */
export const GENERATED_TYPES_PATH = 'core/schemas/documents.generated.ts';

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await writeFile(GENERATED_TYPES_PATH, await generateDocumentTypes());
  console.log(`wrote ${GENERATED_TYPES_PATH}`);
}
