/**
 * GitHub refuses a pull request or comment body longer than 65,536 characters (422 "body is too
 * long"). A body is built from blocks; when they do not fit, the blocks that only help review (the
 * diffs, queries, charts) are cut from the end, the one cut part-way closes its code fence, and a
 * line says what was left out. The head (summary, evidence) and the tail (what happens next and the
 * marker, which is the bot's memory) are always kept whole.
 */

/** GitHub's limit; JavaScript's UTF-16 length is never below GitHub's character count. */
export const BODY_LIMIT = 65_536;

/** Joins `head`, as much of `middle` as fits, and `tail`, within `limit`. */
export function fitBody(head: readonly string[], middle: readonly string[], tail: readonly string[], limit = BODY_LIMIT): string {
  const whole = [...head, ...middle, ...tail].join('\n');
  if (whole.length <= limit) return whole;
  const fixed = [...head, ...tail].join('\n').length;
  const notice = (left: number) => `> [!NOTE]\n> ${left.toLocaleString('en-US')} characters of diffs and queries are left out to stay within GitHub's limit; the branch's own diff has them all.\n`;
  // Room for the notice, its separators, and the largest count it can print.
  let room = limit - fixed - notice(whole.length).length - CLOSERS.length - 3;
  const kept: string[] = [];
  let index = 0;
  for (; index < middle.length && middle[index].length + 1 <= room; index += 1) {
    kept.push(middle[index]);
    room -= middle[index].length + 1;
  }
  if (index < middle.length && room > CLOSERS.length + 1) {
    const cut = middle[index].slice(0, room - CLOSERS.length - 1);
    kept.push(cut.slice(0, Math.max(0, cut.lastIndexOf('\n'))));
  }
  kept.push(...closersFor(kept));
  const left = middle.join('\n').length - kept.join('\n').length;
  return [...head, ...kept, notice(left), ...tail].join('\n');
}

/** The most `closersFor` can add, with its separators. */
const CLOSERS = '\n```\n</details>\n';

// A cut may leave a code fence or a <details> open; close them so the rest renders as written.
function closersFor(kept: readonly string[]): string[] {
  const lines = kept.join('\n').split('\n');
  const fences = lines.filter((line) => line.startsWith('```')).length;
  const details = lines.filter((line) => line.startsWith('<details>')).length - lines.filter((line) => line.startsWith('</details>')).length;
  return [...(fences % 2 === 1 ? ['```'] : []), ...(details > 0 ? ['</details>'] : [])];
}
