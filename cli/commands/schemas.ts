/** `slipway schemas`: writes the JSON Schemas that editors use to complete and check documents. */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { KINDS, SCHEMAS, fileNameOf } from '../../core/schemas/index.js';
import { type Command, parseFlags, UsageError } from '../command.js';

export const command: Command = {
  summary: 'write the JSON Schema of every document kind to schemas/',
  usage: `
usage: slipway schemas [--out DIR]

Writes one JSON Schema (draft 2020-12) per document kind, default into schemas/.
Documents name theirs on their first line:
  # yaml-language-server: $schema=https://slipway.dev/schemas/v1alpha1/model-card.json`,
  async run(args) {
    const { values, positionals } = parseFlags(args, { out: { type: 'string' } }, false);
    if (positionals.length > 0) throw new UsageError('schemas takes no positional arguments');
    const out = values.out ?? 'schemas';
    await mkdir(out, { recursive: true });
    for (const kind of KINDS) {
      const file = path.join(out, `${fileNameOf(kind)}.json`);
      await writeFile(file, renderSchema(kind));
      process.stdout.write(`${file}\n`);
    }
    return 0;
  },
};

/** The JSON text of one kind's schema, as written to disk. */
export function renderSchema(kind: (typeof KINDS)[number]): string {
  return `${JSON.stringify(SCHEMAS[kind], null, 2)}\n`;
}
