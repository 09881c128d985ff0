/**
 * A small YAML emitter for JSON data (maps, lists, strings, numbers, booleans, null), in block
 * style with two-space indents. It exists for speed: the `yaml` package's stringify costs ~0.5 ms
 * per manifest, which alone would take a 300-model catalog past its 5-second budget. Strings are
 * written plain only when both YAML 1.1 (Argo CD, kubectl) and 1.2 read them back as the same
 * string; otherwise they are double-quoted with JSON escapes, which YAML accepts verbatim.
 * Multi-line strings become literal blocks so that a bundle or a script diffs line by line.
 */

/** JSON-shaped data. */
export type JsonValue = string | number | boolean | null | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/** The value as a YAML document (no `---`, trailing newline); keys keep their order. */
export function toYaml(value: JsonValue): string {
  const out: string[] = [];
  if (isBlockCollection(value)) writeBlock(value, '', out);
  else out.push(`${inline(value, '')}\n`);
  return out.join('');
}

function isBlockCollection(value: JsonValue): value is readonly JsonValue[] | { readonly [key: string]: JsonValue } {
  if (value === null || typeof value !== 'object') return false;
  return Array.isArray(value) ? value.length > 0 : Object.keys(value).length > 0;
}

function writeBlock(value: readonly JsonValue[] | { readonly [key: string]: JsonValue }, indent: string, out: string[]): void {
  if (Array.isArray(value)) {
    for (const item of value as readonly JsonValue[]) writeItem(item, indent, out);
    return;
  }
  for (const [key, item] of Object.entries(value)) writeEntry(`${indent}${scalarString(key)}:`, item, indent, out);
}

// `head` is `<indent>key:` or `<indent>- key:`; nested lines go one level below `indent`.
function writeEntry(head: string, item: JsonValue, indent: string, out: string[]): void {
  if (isBlockCollection(item)) {
    out.push(`${head}\n`);
    writeBlock(item, `${indent}  `, out);
  } else {
    out.push(`${head} ${inline(item, `${indent}  `)}\n`);
  }
}

function writeItem(item: JsonValue, indent: string, out: string[]): void {
  if (!isBlockCollection(item)) {
    out.push(`${indent}- ${inline(item, `${indent}  `)}\n`);
    return;
  }
  if (Array.isArray(item)) {
    out.push(`${indent}-\n`);
    writeBlock(item, `${indent}  `, out);
    return;
  }
  // The first key shares the dash's line; the rest align under it.
  const inner = `${indent}  `;
  let first = true;
  for (const [key, value] of Object.entries(item as { readonly [key: string]: JsonValue })) {
    writeEntry(`${first ? `${indent}- ` : inner}${scalarString(key)}:`, value, inner, out);
    first = false;
  }
}

function inline(value: JsonValue, blockIndent: string): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`cannot write ${value} as YAML`);
    return String(value);
  }
  if (typeof value === 'string') return value.includes('\n') ? literalBlock(value, blockIndent) : scalarString(value);
  return Array.isArray(value) ? '[]' : '{}';
}

function literalBlock(text: string, indent: string): string {
  // Literal blocks cannot start with a space (it would need an indentation indicator) or hold
  // carriage returns, tabs or trailing spaces faithfully everywhere: quote those instead.
  if (/^[ \n]|[\r\t\u0000-\u0008\u000b-\u001f\u007f]| \n/.test(text) || text.endsWith(' ')) return JSON.stringify(text);
  const trailing = /\n*$/.exec(text)![0].length;
  const chomp = trailing === 0 ? '-' : trailing === 1 ? '' : '+';
  // The writer ends the line itself, which stands for the last newline.
  const body = trailing === 0 ? text : text.slice(0, -1);
  const lines = body.split('\n').map((line) => (line === '' ? '' : `${indent}${line}`));
  return `|${chomp}\n${lines.join('\n')}`;
}

// Words YAML 1.1 reads as booleans or null, and 1.1 merge/value keys.
const SPECIAL = /^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|null|Null|NULL|~|<<|=)$/;
// Anything some schema might read as a number or date: ints, floats, hex, octal, binary,
// sexagesimal (1.1), timestamps (1.1), .inf and .nan. `1Gi`, `10s` or `25%` stay plain.
const NUMBER_LIKE = /^[-+]?(?:[0-9.][-+0-9._:eExXoObBa-fA-F]*|\.(?:inf|Inf|INF|nan|NaN|NAN))$/;
const PRINTABLE_ASCII = /^[\x20-\x7e]+$/;
// `-`, `?` and `:` start a plain scalar only when a non-space follows (`--env` is fine, `- x` is not).
const INDICATOR_START = /^(?:[,[\]{}#&*!|>'"%@`\s]|[-?:](?:\s|$))/;

/** The string as a plain scalar when that is unambiguous, else double-quoted. */
export function scalarString(text: string): string {
  const plain =
    PRINTABLE_ASCII.test(text) &&
    !INDICATOR_START.test(text) &&
    !text.endsWith(' ') &&
    !text.endsWith(':') &&
    !text.includes(': ') &&
    !text.includes(' #') &&
    !SPECIAL.test(text) &&
    !NUMBER_LIKE.test(text);
  return plain ? text : JSON.stringify(text);
}
