#!/usr/bin/env node
/** The `slipway` command: finds the subcommand, runs it, and turns errors into exit codes. */
import { CatalogError, formatDiagnostic } from '../core/diagnostics.js';
import { didYouMean } from '../core/load/did-you-mean.js';
import { UsageError, UserError } from './command.js';
import { COMMANDS } from './commands/index.js';

async function main(argv: readonly string[]): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(await overview());
    return name === undefined ? 2 : 0;
  }
  if (name === '--version') {
    process.stdout.write('slipway 0.1.0\n');
    return 0;
  }
  const load = COMMANDS[name];
  if (load === undefined) {
    process.stderr.write(`slipway: unknown command '${name}'${didYouMean(name, Object.keys(COMMANDS))}\n\n${await overview()}`);
    return 2;
  }
  const { command } = await load();
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(`${command.usage.trim()}\n`);
    return 0;
  }
  try {
    return await command.run(args);
  } catch (error) {
    return report(error, command.usage);
  }
}

function report(error: unknown, usage: string): number {
  if (error instanceof UsageError) {
    process.stderr.write(`slipway: ${error.message}\n\n${usage.trim()}\n`);
    return 2;
  }
  if (error instanceof CatalogError) {
    for (const diagnostic of error.diagnostics) process.stderr.write(`${formatDiagnostic(diagnostic)}\n`);
    process.stderr.write(`slipway: the repository has ${error.diagnostics.length} problem(s); run 'slipway validate' for details\n`);
    return 1;
  }
  if (error instanceof UserError) {
    process.stderr.write(`slipway: ${error.message}\n`);
    return 1;
  }
  // An unexpected failure is a bug in Slipway: say so, with the stack only when asked for.
  const detail = process.env.SLIPWAY_DEBUG ? (error as Error).stack : (error as Error).message;
  process.stderr.write(`slipway: internal error: ${detail}\n(set SLIPWAY_DEBUG=1 for the stack trace)\n`);
  return 70;
}

async function overview(): Promise<string> {
  const lines = ['usage: slipway <command> [options]', '', 'commands:'];
  for (const [name, load] of Object.entries(COMMANDS)) {
    const { command } = await load();
    lines.push(`  ${name.padEnd(12)} ${command.summary}`);
  }
  lines.push('', "Run 'slipway <command> --help' for a command's options.", '');
  return lines.join('\n');
}

// `slipway pr list | head` closes the pipe early; that is the reader's choice, not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

process.exitCode = await main(process.argv.slice(2));
