/**
 * Every `slipway` subcommand, loaded lazily so that `validate` never pays for ONNX Runtime or
 * Redis clients it does not use.
 */
import type { Command } from '../command.js';

/** Subcommand name → loader of its module (whose `command` export implements it). */
export const COMMANDS: Readonly<Record<string, () => Promise<{ command: Command }>>> = {
  validate: () => import('./validate.js'),
  schemas: () => import('./schemas.js'),
  codeowners: () => import('./codeowners.js'),
  init: () => import('./init.js'),
  data: () => import('./data.js'),
  render: () => import('./render.js'),
  diff: () => import('./diff.js'),
  train: () => import('./train.js'),
  publish: () => import('./publish.js'),
  checkout: () => import('./checkout.js'),
  serve: () => import('./serve.js'),
  materialize: () => import('./materialize.js'),
  controller: () => import('./controller.js'),
  pr: () => import('./pr.js'),
  demo: () => import('./demo.js'),
};
