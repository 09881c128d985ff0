/** Strict parsing of one cell into a feature's dtype: a value either parses whole or not at all. */
import type { FeatureDtype, Scalar } from '../../core/catalog.js';

/** The result of parsing one cell: the value, or why it is not one. */
export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly problem: string };

const INTEGER = /^[-+]?\d+$/;

/** Parses a CSV cell (string) or a JSON value into `dtype`. Empty and null cells are missing. */
export function parseTyped(dtype: FeatureDtype, raw: unknown): Parsed<Scalar> {
  if (raw === undefined || raw === null || raw === '') return { ok: false, problem: 'is missing' };
  switch (dtype) {
    case 'string':
      return typeof raw === 'string' ? { ok: true, value: raw } : { ok: false, problem: `expected a string, got ${JSON.stringify(raw)}` };
    case 'int32':
    case 'int64': {
      const value = typeof raw === 'number' ? raw : typeof raw === 'string' && INTEGER.test(raw) ? Number(raw) : Number.NaN;
      if (!Number.isSafeInteger(value)) return { ok: false, problem: `expected an integer, got ${JSON.stringify(raw)}` };
      if (dtype === 'int32' && (value < -0x80000000 || value > 0x7fffffff)) return { ok: false, problem: `${value} does not fit in int32` };
      return { ok: true, value };
    }
    case 'float32':
    case 'float64': {
      const value = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() === raw ? Number(raw) : Number.NaN;
      return Number.isFinite(value) ? { ok: true, value } : { ok: false, problem: `expected a number, got ${JSON.stringify(raw)}` };
    }
    case 'bool': {
      if (typeof raw === 'boolean') return { ok: true, value: raw };
      const text = String(raw).toLowerCase();
      if (text === 'true' || text === '1') return { ok: true, value: true };
      if (text === 'false' || text === '0') return { ok: true, value: false };
      return { ok: false, problem: `expected true or false, got ${JSON.stringify(raw)}` };
    }
  }
}

/** Parses an event timestamp: ISO 8601 with a time zone, or epoch seconds. Returns epoch ms. */
export function parseEventTime(raw: unknown): Parsed<number> {
  if (typeof raw === 'number' && Number.isFinite(raw)) return { ok: true, value: Math.round(raw * 1000) };
  if (typeof raw === 'string' && raw !== '') {
    if (/^\d+(\.\d+)?$/.test(raw)) return { ok: true, value: Math.round(Number(raw) * 1000) };
    // A time without a zone would silently mean local time: refuse it rather than guess.
    if (/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i.test(raw)) {
      const ms = Date.parse(raw.replace(' ', 'T'));
      if (!Number.isNaN(ms)) return { ok: true, value: ms };
    }
  }
  return { ok: false, problem: `expected an ISO 8601 time with a zone or epoch seconds, got ${JSON.stringify(raw)}` };
}
