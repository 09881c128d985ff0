/**
 * Builds a model's training set from its card: the label rows of the first input's source are the
 * entity rows, and every input is joined as of each row's event time (latest value at or before
 * it, within the view's TTL; the feature's default otherwise, exactly what serving falls back to).
 */
import path from 'node:path';
import { sourceFiles } from '../features/source/source-files.js';
import type { Catalog, FeatureDtype, ModelInput, Scalar } from '../core/catalog.js';
import { required } from '../core/catalog.js';
import { createValueEncoder } from '../core/model-input-encoding.js';
import { PointInTimeIndex } from '../features/point-in-time.js';
import { type OnBadRow, readTypedRows } from '../features/source/offline-source.js';
import type { ColumnSpec, TypedRow } from '../features/source/row-decoder.js';
import { formatOfDataFile, rowLocation, type SourceFormat } from '../features/source/source-format.js';
import type { Matrix } from './gbdt.js';
import { TrainingError } from './training-error.js';

/** Rows ready for training: raw values for profiles and slices, encoded values for the model. */
export interface TrainingSet {
  readonly inputs: readonly ModelInput[];
  /** Per input, the categories its strings are encoded by (the feature's `allowed`). */
  readonly categories: readonly (readonly string[] | undefined)[];
  readonly rows: number;
  readonly eventMs: Float64Array;
  /** `raw[input][row]`: the typed value joined for that row. */
  readonly raw: readonly Scalar[][];
  readonly x: Matrix;
  /** The label per row: 1 or 0 for a `bool` label, the value for a numeric one. */
  readonly y: Float64Array;
  /** Files read, relative to the repository root when inside it. */
  readonly sources: readonly string[];
}

/** How to build the set. */
export interface TrainingSetOptions {
  /** Reads every view from this file instead of the views' own sources. */
  readonly dataFile?: string;
  readonly onBadRow?: OnBadRow;
  /**
   * How the label column is read: `bool` (a classifier's 0/1, true/false) or a number (a
   * regressor's target). Default `bool`. A row whose label is not of this type is a bad row.
   */
  readonly labelDtype?: LabelDtype;
  /** `line` is the line, or for Parquet the row; `where` is the two as a message shows them (`file:12`, `file:row 12`). */
  readonly onSkip?: (file: string, line: number, problem: string, where: string) => void;
}

/** The dtypes a label column may have. */
export type LabelDtype = Extract<FeatureDtype, 'bool' | 'float64'>;

interface SourceRead {
  readonly file: string;
  readonly format: SourceFormat;
  readonly timestampField: string;
  readonly columns: ColumnSpec[];
  rows: TypedRow[];
}

/** Reads the sources of `inputs` and joins them point-in-time onto the label rows. */
export async function buildTrainingSet(catalog: Catalog, inputs: readonly ModelInput[], label: string, options: TrainingSetOptions = {}): Promise<TrainingSet> {
  const views = [...new Set(inputs.map((input) => input.view))].map((name) => required(catalog.featureViews, name, 'feature view'));
  const sources = new Map<string, SourceRead>();
  const files = options.dataFile === undefined ? await sourceFiles(catalog, views) : new Map<string, string>();
  const sourceOf = (view: (typeof views)[number]) => {
    const file = options.dataFile ?? files.get(view.name)!;
    const format: SourceFormat = options.dataFile === undefined ? view.source.format : formatOfDataFile(options.dataFile);
    const key = `${file}\u0000${view.source.timestampField}`;
    let read = sources.get(key);
    if (read === undefined) {
      read = { file, format, timestampField: view.source.timestampField, columns: [], rows: [] };
      sources.set(key, read);
    }
    return read;
  };
  const addColumn = (read: SourceRead, name: string, dtype: FeatureDtype) => {
    if (!read.columns.some((column) => column.name === name)) read.columns.push({ name, dtype });
  };
  const joinKeyTypes = new Map<string, FeatureDtype>();
  for (const view of views) {
    view.joinKeys.forEach((joinKey, i) => joinKeyTypes.set(joinKey, required(catalog.entities, view.entities[i], 'entity').valueType));
  }
  for (const view of views) {
    const read = sourceOf(view);
    for (const joinKey of view.joinKeys) addColumn(read, joinKey, joinKeyTypes.get(joinKey) ?? 'string');
    for (const input of inputs.filter((candidate) => candidate.view === view.name)) addColumn(read, input.feature, input.dtype);
  }
  // The spine: the first input's source, with the label and every join key a lookup needs.
  const spine = sourceOf(views[0]);
  // A label that is also an input of the label rows' own source would hand the model its target.
  const leaked = inputs.find((input) => input.feature === label && sourceOf(required(catalog.featureViews, input.view, 'feature view')) === spine);
  if (leaked !== undefined) throw new TrainingError(`the label '${label}' is also the input ${leaked.ref}, read from the same rows: the model would be given its target`);
  addColumn(spine, label, options.labelDtype ?? 'bool');
  for (const [joinKey, dtype] of joinKeyTypes) addColumn(spine, joinKey, dtype);
  for (const read of sources.values()) {
    const schema = { timestampField: read.timestampField, columns: read.columns };
    for await (const row of readTypedRows(read.file, read.format, schema, { onBadRow: options.onBadRow, onSkip: (bad) => options.onSkip?.(read.file, bad.line, bad.problem, rowLocation(read.file, read.format, bad.line)) })) {
      read.rows.push(row);
    }
  }
  const lookups = views.map((view) => {
    const read = sourceOf(view);
    const keyColumns = view.joinKeys.map((joinKey) => read.columns.findIndex((column) => column.name === joinKey));
    const featureColumns = inputs.filter((input) => input.view === view.name).map((input) => read.columns.findIndex((column) => column.name === input.feature));
    const index = new PointInTimeIndex(
      read.rows.map((row) => ({ entityKey: entityKey(row.values, keyColumns), eventMs: row.eventMs, values: featureColumns.map((c) => row.values[c]) })),
      view.ttlMs,
    );
    const spineKeyColumns = view.joinKeys.map((joinKey) => spine.columns.findIndex((column) => column.name === joinKey));
    return { view: view.name, index, spineKeyColumns, features: inputs.filter((input) => input.view === view.name).map((input) => input.feature) };
  });
  const labelColumn = spine.columns.findIndex((column) => column.name === label);
  const n = spine.rows.length;
  const raw: Scalar[][] = inputs.map(() => new Array<Scalar>(n));
  const y = new Float64Array(n);
  const eventMs = new Float64Array(n);
  const slotOf = inputs.map((input) => {
    const lookup = lookups.findIndex((candidate) => candidate.view === input.view);
    return { lookup, position: lookups[lookup].features.indexOf(input.feature) };
  });
  spine.rows.forEach((row, r) => {
    eventMs[r] = row.eventMs;
    y[r] = labelValue(row.values[labelColumn]);
    const found = lookups.map((lookup) => lookup.index.asOf(entityKey(row.values, lookup.spineKeyColumns), row.eventMs));
    inputs.forEach((input, i) => {
      const values = found[slotOf[i].lookup];
      raw[i][r] = values === null ? input.default : values[slotOf[i].position];
    });
  });
  const categories = inputs.map((input) => {
    const allowed = catalog.featureViews.get(input.view)?.features.find((feature) => feature.name === input.feature)?.constraints.allowed;
    return allowed?.map(String);
  });
  const columns = inputs.map((input, i) => Float32Array.from(raw[i], createValueEncoder({ dtype: input.dtype, categories: categories[i] })));
  return {
    inputs,
    categories,
    rows: n,
    eventMs,
    raw,
    x: { columns, rows: n },
    y,
    sources: [...new Set([...sources.values()].map((read) => relativeTo(catalog.root, read.file)))],
  };
}

/** The rows of `set` at `indices`, as a new set (used for time-based splits). */
export function selectRows(set: TrainingSet, indices: readonly number[]): TrainingSet {
  return {
    ...set,
    rows: indices.length,
    eventMs: Float64Array.from(indices, (i) => set.eventMs[i]),
    raw: set.raw.map((column) => indices.map((i) => column[i])),
    x: { rows: indices.length, columns: set.x.columns.map((column) => Float32Array.from(indices, (i) => column[i])) },
    y: Float64Array.from(indices, (i) => set.y[i]),
  };
}

// A bool label counts 1 for true; a numeric one is its value (the decoder has checked its type).
function labelValue(value: Scalar): number {
  if (typeof value === 'boolean') return value ? 1 : 0;
  return Number(value);
}

function entityKey(values: readonly Scalar[], columns: readonly number[]): string {
  return columns.length === 1 ? String(values[columns[0]]) : columns.map((c) => String(values[c])).join('\u0000');
}

function relativeTo(root: string, file: string): string {
  const relative = path.relative(root, file);
  return relative.startsWith('..') || path.isAbsolute(relative) ? file : relative;
}
