/**
 * The webhook endpoint: a GitHub `pull_request` event that closed a PR by merging it triggers a
 * reconcile at once (polling stays the fallback, so a lost webhook only delays). Signatures are
 * verified with `@octokit/webhooks`; unsigned or mis-signed requests get 401. Both of GitHub's
 * content types are understood: `application/json` and its default for a new repository webhook,
 * `application/x-www-form-urlencoded` (the JSON in a `payload` field). GitHub signs the body as
 * sent, so the signature is checked before the form is decoded.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Webhooks } from '@octokit/webhooks';
import type { Log } from './reconcile.js';

/** What the endpoint does with verified events. */
export interface WebhookOptions {
  readonly secret: string;
  /** Called for a merged pull request. */
  readonly onMerged: (pr: { readonly number: number; readonly branch: string }) => void;
  readonly log?: Log;
  /** Largest body accepted, in bytes. */
  readonly maxBytes?: number;
}

/** A request handler for `POST /webhook` (and `GET /healthz`); anything else is 404. */
export function createWebhookHandler(options: WebhookOptions): (request: IncomingMessage, response: ServerResponse) => void {
  const webhooks = new Webhooks({ secret: options.secret });
  const log = options.log ?? (() => {});
  const maxBytes = options.maxBytes ?? 5 * 1024 * 1024;
  return (request, response) => {
    const reply = (status: number, message: string) => {
      response.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
      response.end(`${message}\n`);
    };
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (request.method === 'GET' && url.pathname === '/healthz') return reply(200, 'ok');
    if (url.pathname !== '/webhook') return reply(404, 'not found');
    if (request.method !== 'POST') return reply(405, 'POST only');
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) chunks.push(chunk);
    });
    request.on('end', () => {
      void (async () => {
        if (size > maxBytes) return reply(413, 'payload too large');
        const payload = Buffer.concat(chunks).toString('utf8');
        const signature = request.headers['x-hub-signature-256'];
        if (typeof signature !== 'string' || signature === '') {
          log('webhook without a signature', { event: request.headers['x-github-event'] });
          return reply(401, 'signature required');
        }
        let valid = false;
        try {
          valid = await webhooks.verify(payload, signature);
        } catch {
          valid = false;
        }
        if (!valid) {
          log('webhook with a bad signature', { event: request.headers['x-github-event'] });
          return reply(401, 'bad signature');
        }
        const event = request.headers['x-github-event'];
        let body: { action?: string; pull_request?: { number?: number; merged?: boolean; head?: { ref?: string } } };
        try {
          body = JSON.parse(eventJson(payload, request.headers['content-type'])) as typeof body;
        } catch {
          return reply(400, 'the event is not JSON (nor a form with a JSON payload field)');
        }
        if (event === 'pull_request' && body.action === 'closed' && body.pull_request?.merged === true) {
          const pr = { number: body.pull_request.number ?? 0, branch: body.pull_request.head?.ref ?? '' };
          log('merged pull request; reconciling now', pr);
          options.onMerged(pr);
          return reply(202, 'reconcile triggered');
        }
        return reply(200, 'ignored');
      })();
    });
  };
}

/** The event's JSON: the body itself, or the `payload` field of a form-encoded body. */
function eventJson(body: string, contentType: string | undefined): string {
  if (!/^application\/x-www-form-urlencoded\b/i.test(contentType ?? '')) return body;
  const payload = new URLSearchParams(body).get('payload');
  if (payload === null) throw new Error('a form without a payload field');
  return payload;
}
