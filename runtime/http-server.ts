/**
 * The HTTP front: Node's own `http` module (no framework on the hot path), bounded request
 * bodies, JSON answers, request metrics, and the bookkeeping graceful shutdown needs (requests
 * in flight, `Connection: close` once draining). A `RequestError` becomes its 4xx; a client that
 * went away is recorded as `status="aborted"` (it got no answer and the server chose no failure);
 * anything else is a 500 that is logged, and the server keeps serving either way. Slow clients are
 * bounded by ./connection-limits.ts.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { unwrapAttribution } from './attributed-error.js';
import { applyConnectionLimits, CONNECTIONS_CHECKING_INTERVAL_MS, DEFAULT_CONNECTION_LIMITS, type ConnectionLimits, watchBodyRate } from './connection-limits.js';
import type { Logger } from './log.js';
import type { RuntimeMetrics } from './metrics.js';
import { ClientAbortedError, RequestError } from './request-error.js';
import { parseJson } from './request-validation.js';
import { matchRoute, type Route } from './router.js';
import { feedback, type HandlerContext, type HandlerResult, infer, live, modelMetadata, modelReady, ready, score, serverMetadata } from './v2-handlers.js';

/** Server settings. */
export interface HttpServerOptions {
  /** Largest accepted request body; default 64 KiB. */
  readonly maxBodyBytes?: number;
  /** Timeouts, body rate and connection cap; each defaults as `DEFAULT_CONNECTION_LIMITS` says. */
  readonly limits?: Partial<ConnectionLimits>;
}

/** The HTTP server and what shutdown needs from it. */
export interface RuntimeHttpServer {
  readonly server: Server;
  /** Requests being answered right now. */
  inFlight(): number;
  /** From now on answers carry `Connection: close`, so keep-alive clients move elsewhere. */
  startDraining(): void;
}

const DEFAULT_MAX_BODY = 64 * 1024;

/** Creates (but does not start) the runtime's HTTP server. */
export function createHttpServer(context: HandlerContext, logger: Logger, options: HttpServerOptions = {}): RuntimeHttpServer {
  const maxBody = options.maxBodyBytes ?? DEFAULT_MAX_BODY;
  const limits: ConnectionLimits = { ...DEFAULT_CONNECTION_LIMITS, ...options.limits };
  const { metrics } = context;
  let inFlight = 0;
  let draining = false;
  const durations = new Map<string, ReturnType<RuntimeMetrics['requestDuration']['labels']>>();
  const observe = (model: string, version: string, route: string, status: number | 'aborted', seconds: number) => {
    const key = `${model}|${version}|${route}|${status}`;
    let child = durations.get(key);
    if (child === undefined) {
      child = metrics.requestDuration.labels({ model, version, route, status: String(status) });
      durations.set(key, child);
    }
    child.observe(seconds);
  };

  const server = createServer({ connectionsCheckingInterval: CONNECTIONS_CHECKING_INTERVAL_MS }, (request, response) => {
    inFlight += 1;
    const started = performance.now();
    let routeName = 'unknown';
    const finish = (result: HandlerResult, contentType = 'application/json', text?: string) => {
      const payload = text ?? JSON.stringify(result.body);
      const headers: Record<string, string | number> = { 'content-type': contentType, 'content-length': Buffer.byteLength(payload) };
      if (draining) headers.connection = 'close';
      if (!response.headersSent) response.writeHead(result.status, headers);
      response.end(request.method === 'HEAD' ? undefined : payload);
      inFlight -= 1;
      observe(result.model ?? '', result.version ?? '', routeName, result.status, (performance.now() - started) / 1000);
    };
    const fail = (thrown: unknown) => {
      const { error, model, version } = unwrapAttribution(thrown);
      if (error instanceof ClientAbortedError) {
        inFlight -= 1;
        observe(model ?? '', version ?? '', routeName, 'aborted', (performance.now() - started) / 1000);
        return;
      }
      if (error instanceof RequestError) return finish({ status: error.status, model, version, body: { error: error.message } });
      logger.log('error', 'request failed', { route: routeName, model, version, error: (error as Error).message });
      return finish({ status: 500, model, version, body: { error: 'internal error; see the runtime log' } });
    };
    let route: Route;
    try {
      route = matchRoute(request.method ?? 'GET', request.url ?? '/');
      routeName = route.name;
    } catch (error) {
      request.resume();
      return fail(error);
    }
    if (route.name === 'metrics') {
      request.resume();
      metrics.registry.metrics().then((text) => finish({ status: 200, body: null }, metrics.registry.contentType, text), fail);
      return;
    }
    if (request.method !== 'POST') {
      request.resume();
      try {
        return finish(answerGet(context, route));
      } catch (error) {
        return fail(error);
      }
    }
    readBody(request, response, maxBody, limits).then(
      (body) => {
        if (body === null) return fail(new RequestError(413, '(body)', `is larger than ${maxBody} bytes`));
        return answerPost(context, route, body, headerId(request)).then(finish, fail);
      },
      fail,
    );
  });
  applyConnectionLimits(server, limits);
  // Malformed HTTP, oversized headers and timeouts surface here, before any route: answered (when
  // the socket still takes it) with the status that says why, counted, and never logged per socket.
  server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    const refusal = refusalOf(error);
    metrics.clientErrors.inc({ reason: refusal.reason });
    if (socket.writable && refusal.status !== null) socket.end(`HTTP/1.1 ${refusal.status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
    else socket.destroy();
  });
  return {
    server,
    inFlight: () => inFlight,
    startDraining: () => {
      draining = true;
    },
  };
}

function answerGet(context: HandlerContext, route: Route): HandlerResult {
  switch (route.name) {
    case 'live':
      return live();
    case 'ready':
      return ready(context);
    case 'server-metadata':
      return serverMetadata();
    case 'model-metadata':
      return modelMetadata(context, route.model!, route.version);
    case 'model-ready':
      return modelReady(context, route.model!, route.version);
    default:
      throw new RequestError(405, '(method)', 'use POST');
  }
}

async function answerPost(context: HandlerContext, route: Route, raw: Buffer, id: string | undefined): Promise<HandlerResult> {
  const body = parseJson(raw);
  switch (route.name) {
    case 'infer':
      return infer(context, route.model!, route.version, body, id);
    case 'score':
      return score(context, route.model!, route.version, body, id);
    case 'feedback':
      return feedback(context, route.model!, body);
    default:
      throw new RequestError(405, '(method)', 'use GET');
  }
}

function headerId(request: IncomingMessage): string | undefined {
  const id = request.headers['x-request-id'];
  return typeof id === 'string' && id.length > 0 && id.length <= 256 ? id : undefined;
}

/** Why Node refused a connection, as the status line to answer (null: the client is gone) and a metric reason. */
function refusalOf(error: NodeJS.ErrnoException): { status: string | null; reason: string } {
  switch (error.code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return { status: '408 Request Timeout', reason: 'timeout' };
    case 'HPE_HEADER_OVERFLOW':
      return { status: '431 Request Header Fields Too Large', reason: 'header-overflow' };
    case 'ECONNRESET':
    case 'EPIPE':
      return { status: null, reason: 'aborted' };
    default:
      return { status: '400 Bad Request', reason: 'malformed' };
  }
}

/**
 * Reads the body, or resolves null once it exceeds `limit` (the rest is discarded, the connection
 * kept). A body slower than the minimum rate is refused with 408; a client that disconnects or
 * breaks its chunked encoding mid-body rejects with `ClientAbortedError`.
 */
function readBody(request: IncomingMessage, response: ServerResponse, limit: number, limits: ConnectionLimits): Promise<Buffer | null> {
  const declared = Number(request.headers['content-length']);
  if (declared > limit) {
    request.resume();
    response.shouldKeepAlive = false;
    return Promise.resolve(null);
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    const stopWatching = watchBodyRate(() => size, limits, () => {
      response.shouldKeepAlive = false;
      request.removeAllListeners('data');
      request.resume();
      reject(new RequestError(408, '(body)', `arrived slower than ${limits.minBodyBytesPerSecond} bytes per second`));
    });
    request.on('data', (chunk: Buffer) => {
      if (tooLarge) return;
      size += chunk.length;
      if (size > limit) {
        tooLarge = true;
        chunks.length = 0;
        response.shouldKeepAlive = false;
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => {
      stopWatching();
      resolve(tooLarge ? null : chunks.length === 1 ? chunks[0] : Buffer.concat(chunks));
    });
    const aborted = () => {
      stopWatching();
      reject(new ClientAbortedError('the client went away before its body was complete'));
    };
    request.on('error', aborted);
    // An aborted upload never ends; settle anyway so the in-flight count stays true.
    request.on('close', () => {
      if (!request.complete) aborted();
    });
  });
}
