/** What a materialization worker needs to know, as plain data that crosses `postMessage`. */
import type { FeatureDtype } from '../../core/catalog.js';
import type { JoinKeyType } from '../../core/online-store/feast-layout.js';
import type { OnBadRow } from '../source/offline-source.js';
import type { ParquetRowGroup } from '../source/parquet-source.js';
import type { RowSchema } from '../source/row-decoder.js';
import type { SourceFormat } from '../source/source-format.js';

/** One view's part of a source pass. */
export interface ViewPlan {
  readonly name: string;
  readonly ttlMs: number;
  /** Join keys with their types and column index in the pass's schema. */
  readonly joinKeys: readonly { readonly name: string; readonly valueType: JoinKeyType; readonly column: number }[];
  readonly features: readonly { readonly name: string; readonly dtype: FeatureDtype; readonly column: number }[];
  /** Rows with an event time at or after this are within the TTL. */
  readonly minMs: number;
  /** Rows at or before this were written by the previous run (incremental), or -Infinity. */
  readonly afterMs: number;
  /** Rows after this (the run's end) are left for the next run. */
  readonly endMs: number;
}

/** One pass over one source file, writing every view that reads it. */
export interface SourcePlan {
  readonly file: string;
  readonly format: SourceFormat;
  readonly schema: RowSchema;
  readonly views: readonly ViewPlan[];
  readonly project: string;
  readonly redisUrl: string;
  readonly onBadRow: OnBadRow;
}

/** A chunk of whole lines (or one Parquet row group) for a worker, or (`flush`) the order to write what it still holds. */
export interface ChunkMessage {
  readonly id: number;
  readonly flush?: boolean;
  readonly firstLine: number;
  readonly bytes: ArrayBuffer;
  /** For a Parquet source: the row group to read (`bytes` is then empty); the worker reads it from the file. */
  readonly rowGroup?: ParquetRowGroup;
  /** The CSV header line, needed to map columns. */
  readonly header: string | null;
}

/** A worker's answer for one chunk. */
export interface ChunkResult {
  readonly id: number;
  readonly rows: number;
  /** `line` is the line, or the Parquet row, of each bad row. */
  readonly bad: readonly { readonly line: number; readonly problem: string }[];
  /** Set under `fail` when the chunk had a bad row: nothing of the chunk was written. */
  readonly failed: boolean;
  /** Per view (plan order). */
  readonly written: readonly number[];
  readonly notNewer: readonly number[];
  readonly outside: readonly number[];
  /** Milliseconds spent parsing, encoding and waiting on Redis. */
  readonly parseMs: number;
  readonly encodeMs: number;
  readonly clientMs: number;
  readonly error?: string;
}
