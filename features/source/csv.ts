/**
 * One CSV line to its fields (RFC 4180 quoting: `"a,b"`, `""` for a quote). A quoted field may not
 * span lines: sources are read line by line so that every problem has a line number.
 */

/** A line that is not valid CSV. */
export class CsvSyntaxError extends Error {
  override readonly name = 'CsvSyntaxError';
}

/** Splits one CSV line into its fields. */
export function parseCsvLine(text: string): string[] {
  if (!text.includes('"')) return text.split(',');
  const fields: string[] = [];
  let i = 0;
  while (i <= text.length) {
    if (text[i] === '"') {
      let value = '';
      i += 1;
      for (;;) {
        const quote = text.indexOf('"', i);
        if (quote === -1) throw new CsvSyntaxError('unterminated quoted field');
        value += text.slice(i, quote);
        if (text[quote + 1] === '"') {
          value += '"';
          i = quote + 2;
          continue;
        }
        i = quote + 1;
        break;
      }
      if (i < text.length && text[i] !== ',') throw new CsvSyntaxError(`unexpected '${text[i]}' after a quoted field`);
      fields.push(value);
      i += 1;
    } else {
      const comma = text.indexOf(',', i);
      const end = comma === -1 ? text.length : comma;
      fields.push(text.slice(i, end));
      i = end + 1;
    }
  }
  return fields;
}
