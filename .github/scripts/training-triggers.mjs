#!/usr/bin/env node
/**
 * Which model cards should train now, as a JSON array of model names on stdout.
 *
 *   node .github/scripts/training-triggers.mjs <before> <after>   cards whose spec.training.triggerId
 *                                                                  changed between two commits
 *   node .github/scripts/training-triggers.mjs --all              every model card at HEAD
 *   node .github/scripts/training-triggers.mjs --model NAME       NAME, after checking its card exists
 *
 * Used by .github/workflows/train.yml. Changing a card's triggerId is how a person (or a drift PR)
 * asks for exactly one retraining after merge; editing anything else in the card trains nothing.
 * A card that is new at <after> counts as changed; so does every card when <before> is unknown
 * (the first push of a branch, or a force push that dropped it).
 */
import { execFileSync } from 'node:child_process';
import { parseAllDocuments } from 'yaml';

const CATALOG = 'catalog';

function git(...args) {
  return execFileSync('git', args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
}

function commitExists(ref) {
  if (/^0+$/.test(ref)) return false;
  try {
    git('cat-file', '-e', `${ref}^{commit}`);
    return true;
  } catch {
    return false;
  }
}

/** Model card name → training trigger id, for every card under catalog/ at `ref`. */
function triggerIds(ref) {
  const ids = new Map();
  const files = git('ls-tree', '-r', '--name-only', ref, '--', CATALOG)
    .split('\n')
    .filter((file) => /\.ya?ml$/.test(file));
  for (const file of files) {
    for (const document of parseAllDocuments(git('show', `${ref}:${file}`))) {
      const value = document.toJS();
      if (value?.kind !== 'ModelCard' || typeof value.metadata?.name !== 'string') continue;
      ids.set(value.metadata.name, String(value.spec?.training?.triggerId ?? ''));
    }
  }
  return ids;
}

function changedCards(before, after) {
  const now = triggerIds(after);
  const then = commitExists(before) ? triggerIds(before) : new Map();
  return [...now.keys()].filter((model) => then.get(model) !== now.get(model));
}

function main(args) {
  if (args[0] === '--all' && args.length === 1) return [...triggerIds('HEAD').keys()];
  if (args[0] === '--model' && args.length === 2) {
    if (!triggerIds('HEAD').has(args[1])) throw new Error(`no model card named '${args[1]}' under ${CATALOG}/`);
    return [args[1]];
  }
  if (args.length === 2 && !args[0].startsWith('-')) return changedCards(args[0], args[1]);
  throw new Error('usage: training-triggers.mjs <before> <after> | --all | --model NAME');
}

try {
  process.stdout.write(`${JSON.stringify(main(process.argv.slice(2)).sort())}\n`);
} catch (error) {
  process.stderr.write(`training-triggers: ${error.message}\n`);
  process.exitCode = 1;
}
