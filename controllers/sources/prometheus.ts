/** The Prometheus HTTP API as a `MetricsSource`: instant and range queries, errors as data. */
import { noData, type Measurement, type Series } from '../proposals/evidence.js';
import type { MetricsSource, Sample } from './metrics-source.js';

interface ApiResponse {
  readonly status: 'success' | 'error';
  readonly error?: string;
  readonly data?: { readonly resultType: string; readonly result: readonly { metric: Record<string, string>; value?: [number, string]; values?: [number, string][] }[] };
}

/** Queries the Prometheus at `baseUrl` (e.g. `http://prometheus.monitoring:9090`). */
export class PrometheusSource implements MetricsSource {
  constructor(
    readonly baseUrl: string,
    private readonly timeoutMs = 5_000,
  ) {}

  async measure(query: string): Promise<Measurement> {
    const { samples, error } = await this.samples(query);
    if (error !== undefined) return noData(query, error);
    const value = samples[0]?.value;
    return value === undefined || !Number.isFinite(value) ? noData(query) : { value, query };
  }

  async samples(query: string): Promise<{ samples: Sample[]; error?: string }> {
    const response = await this.get('/api/v1/query', { query });
    if ('error' in response) return { samples: [], error: response.error };
    const samples = response.result
      .filter((entry) => entry.value !== undefined)
      .map((entry) => ({ labels: entry.metric, value: Number(entry.value![1]) }))
      .filter((sample) => !Number.isNaN(sample.value));
    return { samples };
  }

  async range(query: string, label: string, startSeconds: number, endSeconds: number, stepSeconds: number): Promise<Series | null> {
    const response = await this.get('/api/v1/query_range', { query, start: String(startSeconds), end: String(endSeconds), step: String(stepSeconds) });
    if ('error' in response) return null;
    const values = response.result[0]?.values;
    if (values === undefined) return null;
    return { label, points: values.map(([time, value]) => [time, Number(value)] as const).filter(([, value]) => Number.isFinite(value)) };
  }

  private async get(route: string, params: Record<string, string>): Promise<{ result: NonNullable<ApiResponse['data']>['result'] } | { error: string }> {
    const url = `${this.baseUrl.replace(/\/$/, '')}${route}?${new URLSearchParams(params)}`;
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(this.timeoutMs) });
      const body = (await response.json()) as ApiResponse;
      if (body.status !== 'success' || body.data === undefined) return { error: `prometheus: ${body.error ?? `HTTP ${response.status}`}` };
      return { result: body.data.result };
    } catch (error) {
      return { error: `prometheus at ${this.baseUrl}: ${(error as Error).message}` };
    }
  }
}
