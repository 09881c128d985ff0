/**
 * The few Markdown shapes the model-card pages need, written by hand so that the output is
 * byte-stable (no locale, no library version deciding how a table is padded or a number printed).
 */

/** A GitHub-flavoured table; `|` and line breaks inside a cell are escaped so a cell stays one cell. */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const line = (cells: readonly string[]) => `| ${cells.map(escapeCell).join(' | ')} |`;
  return [line(header), `|${header.map(() => '---').join('|')}|`, ...rows.map(line)];
}

/** A two-column table of labelled values, leaving out rows whose value is absent. */
export function fieldTable(rows: readonly (readonly [string, string | undefined])[]): string[] {
  const present = rows.filter((row): row is readonly [string, string] => row[1] !== undefined && row[1] !== '');
  return markdownTable(['', ''], present.map(([label, value]) => [`**${label}**`, value]));
}

/** A bulleted list, or an italic `empty` line when there is nothing to list. */
export function bulletList(items: readonly string[], empty: string): string[] {
  if (items.length === 0) return [`_${empty}_`];
  return items.map((item) => `- ${item.replace(/\s*\n\s*/g, ' ')}`);
}

/** Inline code that survives backticks inside the text. */
export function code(text: string): string {
  const fence = text.includes('`') ? '``' : '`';
  const pad = text.startsWith('`') || text.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${text}${pad}${fence}`;
}

/** An integer with `,` between thousands (`83,333`), the same on every machine and locale. */
export function formatCount(value: number): string {
  const [whole, fraction] = String(value).split('.');
  const sign = whole.startsWith('-') ? '-' : '';
  const digits = sign === '' ? whole : whole.slice(1);
  const grouped = digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${sign}${grouped}${fraction === undefined ? '' : `.${fraction}`}`;
}

function escapeCell(text: string): string {
  return text.replace(/\r?\n/g, ' ').replace(/\|/g, '\\|');
}
