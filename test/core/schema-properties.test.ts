/**
 * No field without an effect (issue 13): docs/schema-properties.md names, for every property the
 * JSON Schemas in schemas/ define, the test that fails when its effect is removed. This test keeps
 * that table and the schemas in step, and keeps every named test real.
 */
import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { PROJECT_ROOT } from '../support/example-repo.js';

/**
 * Properties no test proves an effect of today (issue 13). A row may say `pending: issue 13`
 * instead of naming a test only for a property listed here, so that every exception shows in
 * review; proving one means naming its test in the row and deleting it here, and a property read
 * by nothing should leave the schema instead.
 */
const PENDING: ReadonlySet<string> = new Set([
  // Being implemented under issue 13. Promotions do not wait for checks yet (the judgement has the hook; no forge reports them):
  'PromotionPolicy spec.requiredChecks',
  // manualApproval only adds a sentence to the promotion PR body, untested.
  'PromotionPolicy spec.manualApproval',
  // Read by the drift proposal, but no test exercises it: the seed policy allows both actions,
  // and no test measures a score PSI rise.
  'DriftPolicy spec.actions',
  'DriftPolicy spec.degradation.maxScorePsiIncrease',
  // Read by nothing: annotations are kept for people and tools outside Slipway.
  'Project metadata.annotations',
  'Entity metadata.annotations',
  'FeatureView metadata.annotations',
  'ModelCard metadata.annotations',
  'Environment metadata.annotations',
  'PromotionPolicy metadata.annotations',
  'RolloutPolicy metadata.annotations',
  'DriftPolicy metadata.annotations',
  'GuardrailPolicy metadata.annotations',
  // Read by nothing: no Kubernetes object is rendered from these kinds.
  'Project metadata.labels',
  'Entity metadata.labels',
  'PromotionPolicy metadata.labels',
  'RolloutPolicy metadata.labels',
  'DriftPolicy metadata.labels',
  'GuardrailPolicy metadata.labels',
  // Read by nothing: documentation for reviewers.
  'Project spec.description',
  'Entity spec.description',
  'FeatureView spec.description',
  'Environment spec.description',
  'PromotionPolicy spec.description',
  'RolloutPolicy spec.description',
  'DriftPolicy spec.description',
  'GuardrailPolicy spec.description',
  'FeatureView spec.features[].description',
  // Read by nothing: `onnx` is the only format; profiles are used as fractions; no score is categorical.
  'ModelCard spec.artifact.format',
  'ModelCard spec.history[].artifact.format',
  'ModelCard spec.referenceProfile.rows',
  'ModelCard spec.history[].referenceProfile.rows',
  'ModelCard spec.referenceProfile.score.frequencies',
  'ModelCard spec.history[].referenceProfile.score.frequencies',
  // Read by nothing: a history entry's slices and data description are records; only the current
  // version's are shown on the page or judged.
  'ModelCard spec.history[].trainingData.description',
  'ModelCard spec.history[].slices',
  'ModelCard spec.history[].slices[].name',
  'ModelCard spec.history[].slices[].description',
  'ModelCard spec.history[].slices[].where',
  'ModelCard spec.history[].slices[].where[].input',
  'ModelCard spec.history[].slices[].where[].equals',
  'ModelCard spec.history[].slices[].where[].in',
  'ModelCard spec.history[].slices[].where[].min',
  'ModelCard spec.history[].slices[].where[].max',
  'ModelCard spec.history[].slices[].metrics',
]);

const PENDING_CELL = 'pending: issue 13';
const TABLE_FILE = 'docs/schema-properties.md';

/** The part of a JSON Schema this walk reads. */
interface Schema {
  readonly title?: string;
  readonly properties?: Readonly<Record<string, Schema>>;
  readonly items?: Schema | boolean;
  readonly additionalProperties?: Schema | boolean;
  readonly oneOf?: readonly Schema[];
  readonly anyOf?: readonly Schema[];
  readonly allOf?: readonly Schema[];
  readonly $defs?: Readonly<Record<string, Schema>>;
  readonly $ref?: string;
}

/** One row of the table. */
interface Row {
  readonly kind: string;
  readonly property: string;
  readonly effect: string;
  readonly proof: string;
  readonly line: number;
}

const schemas = await readSchemas();
const rows = parseTable(await readFile(path.join(PROJECT_ROOT, TABLE_FILE), 'utf8'));
const defined = new Set(schemas.flatMap(({ kind, schema }) => propertyPaths(schema, schema).map((property) => `${kind} ${property}`)));

describe('the schema property table', () => {
  it('has a row for every property of every schema', () => {
    const documented = new Set(rows.map((row) => `${row.kind} ${row.property}`));
    const missing = [...defined].filter((key) => !documented.has(key));
    assert.deepEqual(missing, [], `${TABLE_FILE} has no row for these properties`);
  });

  it('has no row for a property the schemas no longer define, and none twice', () => {
    const seen = new Set<string>();
    const problems: string[] = [];
    for (const row of rows) {
      const key = `${row.kind} ${row.property}`;
      if (!defined.has(key)) problems.push(`line ${row.line}: ${key} is not in schemas/`);
      if (seen.has(key)) problems.push(`line ${row.line}: ${key} has a second row`);
      seen.add(key);
    }
    assert.deepEqual(problems, []);
  });

  it('names, in every row, what the property changes and a test file that holds the named test', async () => {
    const problems: string[] = [];
    for (const row of rows) {
      const problem = await proofProblem(row);
      if (problem !== null) problems.push(`line ${row.line}: ${row.kind} ${row.property}: ${problem}`);
    }
    assert.deepEqual(problems, []);
  });

  it('marks pending exactly the properties in PENDING, so an exception is visible in review', () => {
    const pendingRows = rows.filter((row) => row.proof === PENDING_CELL).map((row) => `${row.kind} ${row.property}`);
    assert.deepEqual(pendingRows.sort(), [...PENDING].sort());
  });

  it('finds properties behind map values, array items and oneOf, as the walk promises', () => {
    const schema: Schema = {
      properties: {
        a: { additionalProperties: { properties: { b: {} } } },
        c: { items: { oneOf: [{ properties: { d: {} } }, { $ref: '#/$defs/e' }] } },
      },
      $defs: { e: { properties: { f: {} } } },
    };
    assert.deepEqual(propertyPaths(schema, schema), ['a', 'a.*.b', 'c', 'c[].d', 'c[].f']);
  });
});

async function readSchemas(): Promise<{ kind: string; schema: Schema }[]> {
  const folder = path.join(PROJECT_ROOT, 'schemas');
  const files = (await readdir(folder)).filter((file) => file.endsWith('.json')).sort();
  const schemas: { kind: string; schema: Schema }[] = [];
  for (const file of files) {
    const schema = JSON.parse(await readFile(path.join(folder, file), 'utf8')) as Schema;
    assert.ok(schema.title, `schemas/${file} has no title naming its kind`);
    schemas.push({ kind: schema.title, schema });
  }
  return schemas;
}

/**
 * Every named property, as a path: dots between names, `[]` for array items, `*` for map values.
 * Items and map values get no row of their own (the array's or map's row covers them), only the
 * properties inside them do.
 */
function propertyPaths(schema: Schema, root: Schema, prefix = ''): string[] {
  const paths: string[] = [];
  for (const [name, child] of Object.entries(schema.properties ?? {})) {
    const here = prefix === '' ? name : `${prefix}.${name}`;
    paths.push(here, ...propertyPaths(child, root, here));
  }
  if (typeof schema.items === 'object') paths.push(...propertyPaths(schema.items, root, `${prefix}[]`));
  if (typeof schema.additionalProperties === 'object') paths.push(...propertyPaths(schema.additionalProperties, root, `${prefix}.*`));
  for (const branch of [...(schema.oneOf ?? []), ...(schema.anyOf ?? []), ...(schema.allOf ?? [])]) paths.push(...propertyPaths(branch, root, prefix));
  if (schema.$ref !== undefined) paths.push(...propertyPaths(resolveRef(schema.$ref, root), root, prefix));
  return [...new Set(paths)];
}

function resolveRef(ref: string, root: Schema): Schema {
  const name = /^#\/\$defs\/([^/]+)$/.exec(ref)?.[1];
  const target = name === undefined ? undefined : root.$defs?.[name];
  assert.ok(target, `cannot follow $ref '${ref}' (only #/$defs/<name> is supported)`);
  return target;
}

/**
 * The rows of every table under a `## <Kind>` heading. A row is
 * `| \`property\` | what it changes | \`test/….test.ts\`: exact test title |`, or `pending: issue 13`
 * in the last cell. Anything else in a table is an error, so a typo cannot hide a row.
 */
function parseTable(text: string): Row[] {
  const rows: Row[] = [];
  let kind: string | null = null;
  for (const [index, line] of text.split('\n').entries()) {
    const heading = /^## (\w+)\s*$/.exec(line);
    if (heading) kind = heading[1];
    if (!line.startsWith('|') || /^\|\s*property\s*\|/.test(line) || /^\|[-|\s]+\|$/.test(line)) continue;
    const cells = splitCells(line);
    const property = /^`([^`]+)`$/.exec(cells[0] ?? '')?.[1];
    assert.ok(kind !== null && cells.length === 3 && property !== undefined, `${TABLE_FILE}:${index + 1}: a row must be | \`property\` | effect | proof | under a ## <Kind> heading`);
    rows.push({ kind, property, effect: cells[1], proof: cells[2], line: index + 1 });
  }
  return rows;
}

/** The cells of a Markdown table row; `\|` is a pipe inside a cell. */
function splitCells(line: string): string[] {
  return line
    .replace(/^\|/, '')
    .replace(/\|\s*$/, '')
    .split(/(?<!\\)\|/)
    .map((cell) => cell.trim().replaceAll('\\|', '|'));
}

/** What is wrong with a row's effect and proof, or null. */
async function proofProblem(row: Row): Promise<string | null> {
  if (row.effect === '') return 'says nothing about what it changes';
  if (row.proof === PENDING_CELL) return PENDING.has(`${row.kind} ${row.property}`) ? null : `is marked '${PENDING_CELL}' but is not in PENDING`;
  const proof = /^`(test\/[\w./-]+\.test\.ts)`: (.+)$/.exec(row.proof);
  if (proof === null) return `proof must read \`test/<path>.test.ts\`: <test title>, or '${PENDING_CELL}'`;
  const [, file, title] = proof;
  const source = await readFile(path.join(PROJECT_ROOT, file), 'utf8').catch(() => null);
  if (source === null) return `${file} does not exist`;
  return declaresTest(source, title) ? null : `${file} has no it()/test() titled '${title}'`;
}

/** True when `source` declares an it() or test() with exactly this title, in any quotes. */
function declaresTest(source: string, title: string): boolean {
  const unescaped = source.replace(/\\(['"`\\])/g, '$1');
  return ["'", '"', '`'].some((quote) => new RegExp(`\\b(?:it|test)\\(\\s*${quote}${escapeRegExp(title)}${quote}`).test(unescaped));
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
