/** Reads a file as a stream of lines with their 1-based numbers; never the whole file in memory. */
import { createReadStream } from 'node:fs';

/** One line of a file, without its line terminator. */
export interface NumberedLine {
  readonly line: number;
  readonly text: string;
}

/** Yields every line of `file` (a final line without a newline included; `\r\n` tolerated). */
export async function* readLines(file: string): AsyncGenerator<NumberedLine> {
  let carry = '';
  let line = 0;
  for await (const chunk of createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 20 })) {
    const text = carry + (chunk as string);
    let start = 0;
    for (let end = text.indexOf('\n'); end !== -1; end = text.indexOf('\n', start)) {
      line += 1;
      yield { line, text: trimCr(text.slice(start, end)) };
      start = end + 1;
    }
    carry = text.slice(start);
  }
  if (carry !== '') yield { line: line + 1, text: trimCr(carry) };
}

function trimCr(text: string): string {
  return text.endsWith('\r') ? text.slice(0, -1) : text;
}
