/** The shape of a `slipway` subcommand, and the errors that end one without a stack trace. */
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** A subcommand: one file under `cli/commands/`. */
export interface Command {
  /** One line for `slipway --help`. */
  readonly summary: string;
  /** The full usage text for `slipway <command> --help`. */
  readonly usage: string;
  /** Runs the command and returns its exit code. */
  run(args: readonly string[]): Promise<number>;
}

/** A mistake in how the command was called: printed with the usage, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** A problem the user can fix (a missing file, a server that is down): printed alone, exit code 1. */
export class UserError extends Error {
  override readonly name = 'UserError';
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** Parses flags strictly; unknown flags and missing values become a `UsageError`. */
export function parseFlags<O extends Options>(args: readonly string[], options: O, allowPositionals = true) {
  try {
    return parseArgs({ args: [...args], options, allowPositionals, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message.replace(/^TypeError \[[A-Z_]+\]: /, ''));
  }
}

/** Reads a one-of flag value, rejecting anything else with a usage error. */
export function oneOf<T extends string>(flag: string, value: string | undefined, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`--${flag} must be one of ${allowed.join(', ')} (got '${value}')`);
}
