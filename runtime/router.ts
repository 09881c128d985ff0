/**
 * Maps a method and path to a handler, without a framework: the V2 paths are few and fixed.
 * `/v2/models/{name}` and `/v2/models/{name}/versions/{version}` take the same suffixes.
 */
import { INFERENCE_ROUTES } from '../core/metric-names.js';
import { RequestError } from './request-error.js';

/** What a path asks for. */
export type RouteName = 'live' | 'ready' | 'server-metadata' | 'metrics' | 'model-metadata' | 'model-ready' | 'infer' | 'score' | 'feedback';

// The `route` label is the route's name, so the routes the gates select must be names of this router.
INFERENCE_ROUTES satisfies readonly RouteName[];

/** A matched route. */
export interface Route {
  readonly name: RouteName;
  readonly model?: string;
  readonly version?: string;
}

const METHODS: Readonly<Record<RouteName, 'GET' | 'POST'>> = {
  live: 'GET',
  ready: 'GET',
  'server-metadata': 'GET',
  metrics: 'GET',
  'model-metadata': 'GET',
  'model-ready': 'GET',
  infer: 'POST',
  score: 'POST',
  feedback: 'POST',
};

/**
 * Routes of URLs seen before. Clients call the same few URLs over and over, and splitting and
 * decoding each one again was 2 % of the event loop; the bound keeps a client that varies its URLs
 * from growing memory.
 */
const knownRoutes = new Map<string, Route>();
const KNOWN_ROUTES_MAX = 256;

/** The route of `url`; throws `RequestError` 404 for unknown paths and 405 for a wrong method. */
export function matchRoute(method: string, url: string): Route {
  let route = knownRoutes.get(url) ?? null;
  if (route === null) {
    route = matchPath(url);
    if (route !== null && knownRoutes.size < KNOWN_ROUTES_MAX) knownRoutes.set(url, Object.freeze(route));
  }
  if (route === null) throw new RequestError(404, '(path)', `no such endpoint: ${url.slice(0, 200)}`);
  const expected = METHODS[route.name];
  if (method !== expected && !(method === 'HEAD' && expected === 'GET')) {
    throw new RequestError(405, '(method)', `${method} is not allowed here; use ${expected}`);
  }
  return route;
}

/** The method a route answers to (for the `Allow` header). */
export function methodOf(name: RouteName): string {
  return METHODS[name];
}

function matchPath(url: string): Route | null {
  const query = url.indexOf('?');
  const path = query === -1 ? url : url.slice(0, query);
  if (path === '/metrics') return { name: 'metrics' };
  const parts = path.split('/');
  // parts[0] is the empty string before the leading slash.
  if (parts[0] !== '' || parts[1] !== 'v2') return null;
  if (parts.length === 2 || (parts.length === 3 && parts[2] === '')) return { name: 'server-metadata' };
  if (parts[2] === 'health' && parts.length === 4) {
    if (parts[3] === 'live') return { name: 'live' };
    if (parts[3] === 'ready') return { name: 'ready' };
    return null;
  }
  if (parts[2] !== 'models' || parts.length < 4 || parts[3] === '') return null;
  const model = decode(parts[3]);
  let rest = parts.slice(4);
  let version: string | undefined;
  if (rest[0] === 'versions') {
    if (rest.length < 2 || rest[1] === '') return null;
    version = decode(rest[1]);
    rest = rest.slice(2);
  }
  if (rest.length === 0) return { name: 'model-metadata', model, version };
  if (rest.length !== 1) return null;
  switch (rest[0]) {
    case 'ready':
      return { name: 'model-ready', model, version };
    case 'infer':
      return { name: 'infer', model, version };
    case 'score':
      return { name: 'score', model, version };
    case 'feedback':
      return version === undefined ? { name: 'feedback', model } : null;
    default:
      return null;
  }
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new RequestError(400, '(path)', `'${segment.slice(0, 100)}' is not a valid URL path segment`);
  }
}
