/**
 * The audit trail: one structured line per prediction (request id, model, version, entity key
 * hash, latency, output), sampled at the bundle's rate, so that a decision can be traced to the
 * version that made it. The entity key is hashed: the log must not become a copy of customer ids.
 */
import type { LogSink } from './log.js';

/** What one audit line says. */
export interface AuditRecord {
  readonly requestId: string;
  readonly model: string;
  readonly version: string;
  readonly role: string;
  /** FNV-1a of the sticky key, hex; absent when routed by request id. */
  readonly entityHash?: string;
  readonly latencyMs: number;
  readonly score: number;
  readonly className: string;
  readonly fallbacks: number;
  readonly endpoint: 'score' | 'infer';
}

/** Writes sampled audit lines. */
export class AuditLog {
  constructor(
    private readonly sampleRate: () => number,
    private readonly sink: LogSink,
    private readonly random: () => number = Math.random,
  ) {}

  /** Writes `record` with probability `sampleRate`. The record is built only when sampled. */
  record(build: () => AuditRecord): void {
    const rate = this.sampleRate();
    if (rate <= 0 || (rate < 1 && this.random() >= rate)) return;
    const record = build();
    this.sink(
      JSON.stringify({
        time: new Date().toISOString(),
        level: 'info',
        msg: 'prediction',
        request_id: record.requestId,
        model: record.model,
        version: record.version,
        role: record.role,
        entity_hash: record.entityHash,
        endpoint: record.endpoint,
        latency_ms: Math.round(record.latencyMs * 1000) / 1000,
        score: record.score,
        class: record.className,
        fallbacks: record.fallbacks,
      }),
    );
  }
}
