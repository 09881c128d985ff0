/**
 * Seeded hostile requests for the runtime: mutations of valid bodies, random bytes, deep nesting,
 * huge arrays, NaN and Infinity, unicode, duplicate keys, wrong methods and content types, long
 * and traversal URLs, and raw malformed HTTP. The same seed gives the same requests.
 */
import type { Rng } from '../../features/rng.js';
import { sampleUser } from './feature-fixture.js';

/** One request over HTTP, or raw bytes written to a socket. */
export type FuzzCase =
  | { readonly kind: 'http'; readonly method: string; readonly path: string; readonly contentType: string; readonly body: Buffer }
  | { readonly kind: 'raw'; readonly bytes: Buffer };

const MODEL = '/v2/models/fraud-detector';
const POST_ROUTES = ['/score', '/infer', '/feedback', '/versions/2.0.0/score', '/versions/1.4.0/infer'];
const GET_ROUTES = ['', '/ready', '/versions/2.0.0'];
const VALID_SCORE = { id: 'ok-1', entities: { user_id: 'user-1', transaction_id: 't-1' }, features: sampleUser(1).transaction };
const VALID_INFER = { inputs: [{ name: 'amount', datatype: 'FP32', shape: [1], data: [12.5] }] };
const ODD_VALUES: unknown[] = [null, true, -1, 1e308, '', 'x'.repeat(2000), [], {}, [1, [2]], '\u0000', 0.5, -0, 'NaN', { $ref: 1 }, '\ud800', '𝔘𝔫𝔦𝔠𝔬𝔡𝔢', 2 ** 53 + 1];

/** The next hostile request. */
export function nextFuzzCase(rng: Rng): FuzzCase {
  const pick = rng.next();
  if (pick < 0.06) return { kind: 'raw', bytes: malformedHttp(rng) };
  const get = rng.next() < 0.1;
  const routes = get ? GET_ROUTES : POST_ROUTES;
  const path = pick < 0.1 ? oddPath(rng) : `${MODEL}${routes[rng.int(routes.length)]}`;
  const method = rng.next() < 0.08 ? ['PUT', 'DELETE', 'PATCH', 'GET', 'OPTIONS', 'HEAD', 'POST'][rng.int(7)] : get ? 'GET' : 'POST';
  const contentType = rng.next() < 0.08 ? ['text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=latin1', ''][rng.int(4)] : 'application/json';
  return { kind: 'http', method, path, contentType, body: Buffer.from(oddBody(rng), 'latin1') };
}

function oddBody(rng: Rng): string {
  const pick = rng.next();
  const seed = JSON.stringify(rng.next() < 0.5 ? VALID_SCORE : VALID_INFER);
  const odd = () => ODD_VALUES[rng.int(ODD_VALUES.length)];
  if (pick < 0.12) return seed;
  if (pick < 0.22) {
    const bytes = Buffer.from(seed);
    for (let flips = 0; flips < 3; flips += 1) bytes[rng.int(bytes.length)] = rng.int(256);
    return bytes.toString('latin1');
  }
  if (pick < 0.28) return seed.slice(0, rng.int(seed.length));
  if (pick < 0.34) return Buffer.from(Array.from({ length: rng.int(2048) }, () => rng.int(256))).toString('latin1');
  if (pick < 0.42) return deeplyNested(rng);
  if (pick < 0.48) return JSON.stringify({ inputs: [{ name: 'amount', datatype: 'FP32', shape: [4000], data: Array.from({ length: 4000 }, () => rng.next()) }] });
  if (pick < 0.53) return seed.replace(/\d+(\.\d+)?/, ['NaN', 'Infinity', '-Infinity', '1e999'][rng.int(4)]);
  if (pick < 0.58) return seed.replace('{', '{"id":"a","id":"b",');
  if (pick < 0.7) {
    const parsed = JSON.parse(JSON.stringify(VALID_SCORE)) as Record<string, Record<string, unknown>>;
    const names = Object.keys(parsed.features);
    parsed.features[names[rng.int(names.length)]] = odd();
    if (rng.next() < 0.3) parsed.entities.user_id = odd();
    return JSON.stringify(parsed);
  }
  if (pick < 0.8) {
    return JSON.stringify({ inputs: [{ name: ['amount', 'merchant_category', 'x', odd()][rng.int(4)], datatype: ['FP32', 'BYTES', 'INT32', odd()][rng.int(4)], shape: [odd(), 1], data: [odd(), odd()] }], outputs: odd(), parameters: odd() });
  }
  if (pick < 0.9) return JSON.stringify({ id: rng.next() < 0.5 ? `ok-${rng.int(5)}` : odd(), label: odd() });
  return JSON.stringify(odd()) ?? '';
}

// A field nested thousands deep in arrays or objects, at one of the places validation reads.
function deeplyNested(rng: Rng): string {
  const depth = 1_000 + rng.int(9_000);
  const open = rng.next() < 0.5 ? '['.repeat(depth) : '{"a":'.repeat(depth);
  const close = open.startsWith('[') ? ']'.repeat(depth) : '}'.repeat(depth);
  const nested = `${open}1${close}`;
  const at = rng.int(4);
  if (at === 0) return `{"inputs":[{"name":"amount","datatype":${nested},"shape":[1],"data":[1]}]}`;
  if (at === 1) return `{"entities":{"user_id":${nested}}}`;
  if (at === 2) return `{"id":"x","label":${nested}}`;
  return nested;
}

function oddPath(rng: Rng): string {
  const pick = rng.int(5);
  if (pick === 0) return `${MODEL}/${'a'.repeat(4000 + rng.int(4000))}`;
  if (pick === 1) return '/v2/models/../../../../etc/passwd';
  if (pick === 2) return `/v2/models/%E0%A4%A/score`;
  if (pick === 3) return `${MODEL}/score?${'q=1&'.repeat(500)}`;
  return '/%00%ED%A0%BD/v2';
}

function malformedHttp(rng: Rng): Buffer {
  const cases = [
    'GARBAGE\r\n\r\n',
    `POST ${MODEL}/score HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n`,
    `POST ${MODEL}/score HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 7\r\n\r\n{}`,
    `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(20_000)}\r\n\r\n`,
    `POST ${MODEL}/score HTTP/9.9\r\n\r\n`,
    `POST ${MODEL}/score HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n`,
    '\u0000\u0001\u0002\u0003',
  ];
  return Buffer.from(cases[rng.int(cases.length)], 'latin1');
}
