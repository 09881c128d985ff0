/** Kubernetes resource quantities (`256Mi`, `1G`, `500m`) as numbers. */

const SUFFIXES: Readonly<Record<string, number>> = {
  '': 1, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};

/** The quantity's value (bytes for sizes); throws on a malformed quantity, naming it. */
export function parseQuantity(quantity: string | number): number {
  if (typeof quantity === 'number') return quantity;
  const match = /^([+-]?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)([a-zA-Z]*)$/.exec(quantity.trim());
  const factor = match === null ? undefined : SUFFIXES[match[2]];
  if (match === null || factor === undefined) throw new Error(`'${quantity}' is not a Kubernetes quantity`);
  return Number(match[1]) * factor;
}
