/**
 * Kubernetes' `$(VAR)` expansion (third_party/forked/golang/expansion), used for `command`,
 * `args`, env values and `subPathExpr`: `$(NAME)` becomes the value when NAME is defined and stays
 * as written otherwise, `$$` is a literal `$`, and an unclosed `$(` is kept.
 */

/** Expands `$(NAME)` references in `input` from `lookup`s, tried in order. */
export function expand(input: string, ...lookups: readonly ReadonlyMap<string, string>[]): string {
  let output = '';
  let checkpoint = 0;
  for (let cursor = 0; cursor < input.length; cursor++) {
    if (input[cursor] !== '$' || cursor + 1 >= input.length) continue;
    output += input.slice(checkpoint, cursor);
    const [read, isVariable, advance] = readVariableName(input.slice(cursor + 1));
    if (isVariable) {
      const found = lookups.find((lookup) => lookup.has(read))?.get(read);
      output += found ?? `$(${read})`;
    } else {
      output += read;
    }
    cursor += advance;
    checkpoint = cursor + 1;
  }
  return output + input.slice(checkpoint);
}

function readVariableName(input: string): [read: string, isVariable: boolean, advance: number] {
  if (input[0] === '$') return ['$', false, 1];
  if (input[0] === '(') {
    const close = input.indexOf(')', 1);
    if (close >= 0) return [input.slice(1, close), true, close + 1];
    return ['$(', false, 1];
  }
  return [`$${input[0]}`, false, 1];
}
