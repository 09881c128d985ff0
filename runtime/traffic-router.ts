/**
 * Splits answered traffic between the stable and canary versions by their weights, sticky by a
 * hash of the entity key (the same customer always meets the same version), falling back to the
 * request id. The canary owns the lowest buckets, so raising its weight only moves customers from
 * stable to canary, never back and forth. Shadow versions are not routed: they score copies.
 */

/** A version with its share of answered traffic, in percent. */
export interface WeightedVersion<T> {
  readonly weight: number;
  readonly target: T;
}

/** Hash buckets: weights are percentages with up to two decimals. */
const BUCKETS = 10_000;

/** Picks a version for a sticky key. */
export class TrafficRouter<T> {
  private readonly bounds: { readonly upper: number; readonly target: T }[] = [];

  /** `versions` in priority order for the low buckets (canary first); at least one. */
  constructor(versions: readonly WeightedVersion<T>[]) {
    if (versions.length === 0) throw new Error('a router needs at least one version');
    let upper = 0;
    for (const version of versions) {
      upper += Math.round(version.weight * (BUCKETS / 100));
      this.bounds.push({ upper: Math.min(upper, BUCKETS), target: version.target });
    }
    // Rounding or weights that do not add up to 100 must still route every bucket: the last one takes the rest.
    this.bounds[this.bounds.length - 1] = { upper: BUCKETS, target: versions[versions.length - 1].target };
  }

  /** The version for `stickyKey`. */
  route(stickyKey: string): T {
    const bucket = fnv1a(stickyKey) % BUCKETS;
    for (const bound of this.bounds) if (bucket < bound.upper) return bound.target;
    return this.bounds[this.bounds.length - 1].target;
  }
}

/** The sticky key of a request: the values of the routing join keys it carries, else its request id. */
export function stickyKeyOf(entities: Readonly<Record<string, unknown>> | undefined, routingKeys: readonly string[], requestId: string): string {
  let key = '';
  if (entities !== undefined) {
    for (const name of routingKeys) if (entities[name] !== undefined) key += `${name}=${String(entities[name])};`;
  }
  return key === '' ? `id:${requestId}` : key;
}

/**
 * The join keys that identify "the customer" for routing: those keying the most feature views
 * among the inputs (for the fraud model `user_id`, which keys two views, rather than
 * `transaction_id`, which changes with every request). Ties keep all of them. Sorted.
 */
export function defaultRoutingKeys(inputs: readonly { readonly view: string; readonly joinKeys: readonly string[] }[]): string[] {
  const views = new Map<string, Set<string>>();
  for (const input of inputs) {
    for (const key of input.joinKeys) {
      if (!views.has(key)) views.set(key, new Set());
      views.get(key)!.add(input.view);
    }
  }
  const most = Math.max(0, ...[...views.values()].map((set) => set.size));
  return [...views.entries()].filter(([, set]) => set.size === most).map(([key]) => key).sort();
}

/** FNV-1a 32-bit of a string's UTF-16 code units, finished with a murmur-style avalanche. */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index += 1) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  // FNV's low bits are weak for short similar keys (user-1, user-2…); mix before taking a modulus.
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash >>> 0;
}
