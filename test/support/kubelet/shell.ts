/** Building `sh -c` scripts from values that may hold any character. */

/** `value` as one single-quoted shell word. */
export function quote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** A command line of quoted words. */
export function command(...argv: readonly string[]): string {
  return argv.map(quote).join(' ');
}
