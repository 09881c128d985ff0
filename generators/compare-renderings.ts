/**
 * Compares two renderings (base and head) for review: per folder (environment) what was added,
 * changed and removed, the changes that matter called out in words (model versions, canary
 * weights, replicas, images, alert thresholds, training runs), then the raw unified diffs.
 */
import { parse } from 'yaml';
import { BUNDLE_FILE_NAME } from '../core/bundle.js';
import { unifiedDiff } from '../core/line-diff.js';

/** The review of one folder under `dist/` (an environment, or `argocd`). */
export interface FolderChanges {
  readonly folder: string;
  readonly added: readonly string[];
  readonly changed: readonly string[];
  readonly removed: readonly string[];
  /** Sentences a reviewer reads first, e.g. `fraud-detector: canary weight 10% → 50%`. */
  readonly semantic: readonly string[];
  /** Unified diffs per file, in path order. */
  readonly diffs: readonly { readonly file: string; readonly diff: string }[];
}

/** `path → text` maps relative to `dist/`, as `Rendering.files` holds them. */
export type FileTree = ReadonlyMap<string, string>;

/** Compares base and head file by file, grouped by folder, folders in name order. */
export function compareRenderings(base: FileTree, head: FileTree): FolderChanges[] {
  const folders = new Set([...base.keys(), ...head.keys()].map(folderOf));
  return [...folders].sort().map((folder) => compareFolder(folder, base, head));
}

/** True when nothing differs anywhere. */
export function isUnchanged(changes: readonly FolderChanges[]): boolean {
  return changes.every((folder) => folder.added.length + folder.changed.length + folder.removed.length === 0);
}

/** `prod: 2 changed, 1 added, 0 removed`. */
export function summaryLine(folder: FolderChanges): string {
  return `${folder.folder}: ${folder.changed.length} changed, ${folder.added.length} added, ${folder.removed.length} removed`;
}

function folderOf(file: string): string {
  return file.slice(0, file.indexOf('/'));
}

function compareFolder(folder: string, base: FileTree, head: FileTree): FolderChanges {
  const inFolder = (tree: FileTree) => [...tree.keys()].filter((file) => folderOf(file) === folder);
  const files = [...new Set([...inFolder(base), ...inFolder(head)])].sort();
  const added: string[] = [];
  const changed: string[] = [];
  const removed: string[] = [];
  const semantic: string[] = [];
  const diffs: { file: string; diff: string }[] = [];
  for (const file of files) {
    const before = base.get(file);
    const after = head.get(file);
    if (before === after) continue;
    if (before === undefined) added.push(file);
    else if (after === undefined) removed.push(file);
    else changed.push(file);
    semantic.push(...semanticChanges(before, after));
    diffs.push({ file, diff: unifiedDiff(before ?? '', after ?? '', before === undefined ? '/dev/null' : `a/${file}`, after === undefined ? '/dev/null' : `b/${file}`) });
  }
  return { folder, added, changed, removed, semantic, diffs };
}

interface Manifest {
  kind?: string;
  metadata?: { name?: string; labels?: Record<string, string> };
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
}

/** Sentences describing what a change to one object means; empty when nothing notable changed. */
export function semanticChanges(before: string | undefined, after: string | undefined): string[] {
  const old = before === undefined ? undefined : (parse(before) as Manifest);
  const now = after === undefined ? undefined : (parse(after) as Manifest);
  const kind = now?.kind ?? old?.kind;
  const name = now?.metadata?.name ?? old?.metadata?.name ?? '?';
  switch (kind) {
    case 'ConfigMap':
      return bundleChanges(old, now);
    case 'HorizontalPodAutoscaler':
      return replicaChanges(name, old, now);
    case 'Deployment':
      return imageChanges(name, old, now);
    case 'PrometheusRule':
      return thresholdChanges(name, old, now);
    case 'Job':
      if (old === undefined) return [`new training run: Job ${name} starts once after the merge`];
      if (now === undefined) return [`training Job ${name} is removed`];
      return [];
    default:
      if (old === undefined) return [`${kind} ${name} added`];
      if (now === undefined) return [`${kind} ${name} removed`];
      return [];
  }
}

interface BundleVersionView {
  version: string;
  role: string;
  weight: number;
  artifact: { sha256: string };
}

function bundleVersions(manifest: Manifest | undefined): { model: string; byRole: Map<string, BundleVersionView> } | null {
  const text = manifest?.data?.[BUNDLE_FILE_NAME];
  if (text === undefined) return null;
  const bundle = JSON.parse(text) as { model: string; versions: BundleVersionView[] };
  return { model: bundle.model, byRole: new Map(bundle.versions.map((version) => [version.role, version])) };
}

function bundleChanges(old: Manifest | undefined, now: Manifest | undefined): string[] {
  const before = bundleVersions(old);
  const after = bundleVersions(now);
  const model = after?.model ?? before?.model;
  if (model === undefined) return [];
  if (before === null) return [`${model}: now served (${describeServed(after!.byRole)})`];
  if (after === null) return [`${model}: no longer served`];
  const lines: string[] = [];
  for (const role of ['stable', 'canary', 'shadow']) {
    const was = before.byRole.get(role);
    const is = after.byRole.get(role);
    if (was === undefined && is === undefined) continue;
    if (was === undefined) lines.push(`${model}: ${role} ${is!.version} added${role === 'canary' ? ` at ${is!.weight}%` : ''}`);
    else if (is === undefined) lines.push(`${model}: ${role} ${was.version} removed`);
    else {
      if (was.version !== is.version) lines.push(`${model}: ${role} version ${was.version} → ${is.version}`);
      if (role === 'canary' && was.weight !== is.weight) lines.push(`${model}: canary weight ${was.weight}% → ${is.weight}%`);
      if (was.version === is.version && was.artifact.sha256 !== is.artifact.sha256) {
        lines.push(`${model}: artifact of ${is.version} changed (sha256 ${was.artifact.sha256.slice(0, 12)}… → ${is.artifact.sha256.slice(0, 12)}…)`);
      }
    }
  }
  return lines;
}

function describeServed(byRole: Map<string, BundleVersionView>): string {
  return [...byRole.values()].map((version) => `${version.role} ${version.version}`).join(', ');
}

function replicaChanges(name: string, old: Manifest | undefined, now: Manifest | undefined): string[] {
  const range = (manifest: Manifest | undefined) => (manifest === undefined ? undefined : `${manifest.spec?.minReplicas}–${manifest.spec?.maxReplicas}`);
  const before = range(old);
  const after = range(now);
  return before === after || before === undefined || after === undefined ? [] : [`${name}: replicas ${before} → ${after}`];
}

function imageChanges(name: string, old: Manifest | undefined, now: Manifest | undefined): string[] {
  const images = (manifest: Manifest | undefined) =>
    ((manifest?.spec?.template as { spec?: { containers?: { image: string }[] } } | undefined)?.spec?.containers ?? []).map((container) => container.image).join(', ');
  const before = images(old);
  const after = images(now);
  return old === undefined || now === undefined || before === after ? [] : [`${name}: image ${before} → ${after}`];
}

interface RuleView {
  alert?: string;
  expr?: string;
  labels?: Record<string, string>;
}

function thresholds(manifest: Manifest | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const group of (manifest?.spec?.groups ?? []) as { rules?: RuleView[] }[]) {
    for (const rule of group.rules ?? []) {
      const key = [rule.alert, rule.labels?.slipway_input_type].filter(Boolean).join(' ');
      // The threshold is the first strict comparison; the sample gates use `>=`.
      const match = / > ([0-9.eE+-]+)/.exec(rule.expr ?? '');
      if (match !== null) out.set(key, match[1]);
    }
  }
  return out;
}

function thresholdChanges(name: string, old: Manifest | undefined, now: Manifest | undefined): string[] {
  const before = thresholds(old);
  const after = thresholds(now);
  const lines: string[] = [];
  for (const key of [...new Set([...before.keys(), ...after.keys()])].sort()) {
    const was = before.get(key);
    const is = after.get(key);
    if (was === is) continue;
    if (was === undefined) lines.push(`${name}: alert ${key} added (threshold ${is})`);
    else if (is === undefined) lines.push(`${name}: alert ${key} removed`);
    else lines.push(`${name}: ${key} threshold ${was} → ${is}`);
  }
  return lines;
}

/** Plain text: every summary line, then per changed folder its semantic changes and diffs. */
export function formatText(changes: readonly FolderChanges[]): string {
  const out = changes.map(summaryLine);
  for (const folder of changes) {
    if (folder.diffs.length === 0) continue;
    out.push('', `== ${folder.folder} ==`);
    if (folder.semantic.length > 0) out.push(...folder.semantic.map((line) => `  * ${line}`), '');
    for (const { diff } of folder.diffs) out.push(diff.trimEnd());
  }
  return `${out.join('\n')}\n`;
}

/** Markdown for a pull request comment: a summary table, the semantic changes, and diffs folded per object. */
export function formatMarkdown(changes: readonly FolderChanges[]): string {
  const out = ['### Rendered manifests', '', '| environment | changed | added | removed |', '|---|---:|---:|---:|'];
  for (const folder of changes) out.push(`| ${folder.folder} | ${folder.changed.length} | ${folder.added.length} | ${folder.removed.length} |`);
  if (isUnchanged(changes)) out.push('', 'No rendered object changes.');
  for (const folder of changes) {
    if (folder.diffs.length === 0) continue;
    out.push('', `#### ${folder.folder}`, '', `\`${summaryLine(folder)}\``, '');
    if (folder.semantic.length > 0) out.push(...folder.semantic.map((line) => `- ${line}`), '');
    for (const { file, diff } of folder.diffs) {
      out.push(`<details><summary><code>${file}</code></summary>`, '', '```diff', diff.trimEnd(), '```', '', '</details>');
    }
  }
  return `${out.join('\n')}\n`;
}
