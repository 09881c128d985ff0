/**
 * Dockerfile syntax as BuildKit reads it: continuation lines, comments, stages, exec (JSON) and
 * shell forms, and the word splitting and `$VAR` substitution of ENV, WORKDIR, USER and COPY.
 * What the instructions mean for a container lives in image.ts.
 */
import { DockerfileError } from './errors.js';

/** One instruction, continuation lines joined and comments dropped. */
export interface Instruction {
  /** Upper-cased keyword, e.g. `COPY`. */
  readonly keyword: string;
  /** Everything after the keyword, continuation lines joined by a space. */
  readonly args: string;
  /** 1-based line of the keyword, for error messages. */
  readonly line: number;
}

/** One `FROM` and the instructions up to the next one. */
export interface Stage {
  /** The base image with global `ARG` defaults substituted. */
  readonly image: string;
  /** The `AS` name; '' when unnamed. */
  readonly name: string;
  readonly line: number;
  readonly instructions: readonly Instruction[];
}

/** Splits a Dockerfile into instructions, dropping comments and parser directives. */
export function parseInstructions(text: string): Instruction[] {
  const instructions: Instruction[] = [];
  let pending: string[] = [];
  let start = 0;
  const lines = text.split(/\r?\n/);
  for (const [index, raw] of lines.entries()) {
    const line = raw.trim();
    // Comment lines are removed before continuation handling, also in the middle of an instruction.
    if (line.startsWith('#')) continue;
    if (pending.length === 0 && line === '') continue;
    if (pending.length === 0) start = index + 1;
    const continued = line.endsWith('\\');
    pending.push((continued ? line.slice(0, -1) : line).trim());
    if (continued && index < lines.length - 1) continue;
    const joined = pending.filter((part) => part !== '').join(' ');
    const match = /^(\S+)\s*(.*)$/s.exec(joined);
    if (match !== null) instructions.push({ keyword: match[1].toUpperCase(), args: match[2], line: start });
    pending = [];
  }
  return instructions;
}

/** Groups instructions into stages; `${ARG}` in FROM takes the ARG's default from before the first FROM. */
export function parseStages(instructions: readonly Instruction[]): Stage[] {
  const globalArgs = new Map<string, string>();
  const stages: { image: string; name: string; line: number; instructions: Instruction[] }[] = [];
  for (const instruction of instructions) {
    if (instruction.keyword === 'ARG' && stages.length === 0) {
      const [name, value = ''] = instruction.args.split('=', 2);
      globalArgs.set(name.trim(), value.trim());
      continue;
    }
    if (instruction.keyword === 'FROM') {
      const match = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(instruction.args);
      if (match === null) throw new DockerfileError(`line ${instruction.line}: FROM must read 'FROM <image> [AS <name>]' (got '${instruction.args}')`);
      const image = substitute(match[1], globalArgs, instruction.line);
      stages.push({ image, name: match[2] ?? '', line: instruction.line, instructions: [] });
      continue;
    }
    if (stages.length === 0) throw new DockerfileError(`line ${instruction.line}: ${instruction.keyword} before the first FROM`);
    stages[stages.length - 1].instructions.push(instruction);
  }
  return stages;
}

/** The argv of an exec-form (`["a", "b"]`) or shell-form (`a b` → `/bin/sh -c "a b"`) instruction. */
export function commandForm(args: string, line: number): string[] {
  const trimmed = args.trim();
  if (!trimmed.startsWith('[')) return ['/bin/sh', '-c', trimmed];
  let parsed: unknown;
  try {
    parsed = JSON.parse(trimmed);
  } catch (cause) {
    // BuildKit falls back to the shell form on invalid JSON; a harness should not.
    throw new DockerfileError(`line ${line}: '${trimmed}' looks like the exec form but is not a JSON array of strings`, { cause });
  }
  if (!Array.isArray(parsed) || !parsed.every((item): item is string => typeof item === 'string')) {
    throw new DockerfileError(`line ${line}: '${trimmed}' must be a JSON array of strings`);
  }
  return parsed;
}

/**
 * Shell-like words as BuildKit's lexer splits ENV, COPY and USER arguments: whitespace separates,
 * quotes group, backslash escapes, `$VAR` and `${VAR}` expand (not inside single quotes).
 */
export function words(text: string, env: ReadonlyMap<string, string>, line: number): string[] {
  const result: string[] = [];
  let current = '';
  let inWord = false;
  let index = 0;
  const readVariable = (): string => {
    // index points at '$'
    const rest = text.slice(index + 1);
    const braced = /^\{([A-Za-z_][A-Za-z0-9_]*)(?:(:[-+])([^}]*))?\}/.exec(rest);
    if (braced !== null) {
      index += braced[0].length + 1;
      const value = env.get(braced[1]);
      if (braced[2] === ':-') return value === undefined || value === '' ? braced[3] : value;
      if (braced[2] === ':+') return value === undefined || value === '' ? '' : braced[3];
      return value ?? '';
    }
    if (rest.startsWith('{')) throw new DockerfileError(`line ${line}: unsupported variable form in '${text}'`);
    const plain = /^[A-Za-z_][A-Za-z0-9_]*/.exec(rest);
    if (plain === null) {
      index += 1;
      return '$';
    }
    index += plain[0].length + 1;
    return env.get(plain[0]) ?? '';
  };
  while (index < text.length) {
    const char = text[index];
    if (/\s/.test(char)) {
      if (inWord) result.push(current);
      current = '';
      inWord = false;
      index += 1;
      continue;
    }
    inWord = true;
    if (char === '\\' && index + 1 < text.length) {
      current += text[index + 1];
      index += 2;
    } else if (char === "'") {
      const end = text.indexOf("'", index + 1);
      if (end < 0) throw new DockerfileError(`line ${line}: unterminated single quote in '${text}'`);
      current += text.slice(index + 1, end);
      index = end + 1;
    } else if (char === '"') {
      index += 1;
      while (index < text.length && text[index] !== '"') {
        if (text[index] === '\\' && index + 1 < text.length && '"\\$'.includes(text[index + 1])) {
          current += text[index + 1];
          index += 2;
        } else if (text[index] === '$') {
          current += readVariable();
        } else {
          current += text[index];
          index += 1;
        }
      }
      if (index >= text.length) throw new DockerfileError(`line ${line}: unterminated double quote in '${text}'`);
      index += 1;
    } else if (char === '$') {
      current += readVariable();
    } else {
      current += char;
      index += 1;
    }
  }
  if (inWord) result.push(current);
  return result;
}

/** `ENV a=1 b="x y"` (or the legacy `ENV a 1`) as ordered pairs, values substituted from `env`. */
export function envPairs(args: string, env: ReadonlyMap<string, string>, line: number): [string, string][] {
  const trimmed = args.trim();
  const [first = ''] = trimmed.split(/\s+/, 1);
  if (first !== '' && !first.includes('=')) return [[first, words(trimmed.slice(first.length), env, line).join(' ')]];
  const pairs: [string, string][] = [];
  for (const word of words(args, env, line)) {
    const equals = word.indexOf('=');
    if (equals <= 0) throw new DockerfileError(`line ${line}: ENV '${word}' is not NAME=value`);
    pairs.push([word.slice(0, equals), word.slice(equals + 1)]);
  }
  return pairs;
}

function substitute(text: string, args: ReadonlyMap<string, string>, line: number): string {
  return words(text, args, line).join(' ');
}
