/**
 * A minimal pipelined Redis connection speaking RESP directly: commands are encoded straight into
 * one buffer per batch, which costs a fraction of a general client's per-command work. That is the
 * materializer's bottleneck (a pipelined ioredis connection tops out near 32k rows/s here). Only
 * the replies the materializer needs are parsed: integers, simple strings, errors, bulk strings.
 */
import net from 'node:net';
import tls from 'node:tls';
import { type RedisCredentials, redisCredentialsFromEnv } from '../../core/redis-credentials.js';

/** A reply: a number, a string, `null`, or an error reply (not thrown, so a batch can be counted). */
export type RespReply = number | string | null | RespErrorReply;

/** An error reply from Redis. */
export class RespErrorReply extends Error {
  override readonly name = 'RespErrorReply';
}

/** Encodes one command as RESP. */
export function encodeCommand(args: readonly (string | Buffer)[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const arg of args) {
    const bytes = typeof arg === 'string' ? Buffer.from(arg) : arg;
    parts.push(Buffer.from(`$${bytes.length}\r\n`), bytes, CRLF);
  }
  return Buffer.concat(parts);
}

const CRLF = Buffer.from('\r\n');

/** One connection; `send` writes a batch of encoded commands and resolves with their replies. */
export class RespConnection {
  private buffer: Buffer = Buffer.alloc(0);
  private readonly waiting: { count: number; replies: RespReply[]; resolve: (replies: RespReply[]) => void; reject: (error: Error) => void }[] = [];
  private failure: Error | null = null;

  private constructor(private readonly socket: net.Socket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('error', (error) => this.fail(error));
    socket.on('close', () => this.fail(new Error('the Redis connection closed')));
  }

  /**
   * Connects to a `redis[s]://[user:password@]host[:port][/db]` URL (TLS, AUTH and SELECT as
   * needed). Without a password in the URL, `credentials` (the pod's Secret, by default) are used.
   */
  static async open(url: string, credentials: RedisCredentials = redisCredentialsFromEnv(process.env)): Promise<RespConnection> {
    const parsed = new URL(url);
    if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') throw new Error(`only redis:// and rediss:// URLs are supported (got '${parsed.protocol}//${parsed.host}')`);
    const host = parsed.hostname || '127.0.0.1';
    const port = Number(parsed.port || 6379);
    const socket = parsed.protocol === 'rediss:' ? tls.connect({ host, port, servername: host }) : net.connect({ host, port });
    await new Promise<void>((resolve, reject) => {
      socket.once(parsed.protocol === 'rediss:' ? 'secureConnect' : 'connect', resolve);
      socket.once('error', reject);
    });
    const connection = new RespConnection(socket);
    const setup: Buffer[] = [];
    const password = parsed.password ? decodeURIComponent(parsed.password) : credentials.password;
    const username = parsed.password ? (parsed.username ? decodeURIComponent(parsed.username) : undefined) : credentials.username;
    if (password !== undefined) setup.push(encodeCommand(username !== undefined ? ['AUTH', username, password] : ['AUTH', password]));
    const db = parsed.pathname.replace('/', '');
    if (db !== '') setup.push(encodeCommand(['SELECT', db]));
    if (setup.length > 0) {
      const replies = await connection.send(Buffer.concat(setup), setup.length);
      const error = replies.find((reply) => reply instanceof RespErrorReply);
      if (error) throw error;
    }
    return connection;
  }

  /** Writes `commands` (already encoded, `count` of them) and resolves with the replies in order. */
  send(commands: Buffer, count: number): Promise<RespReply[]> {
    if (this.failure !== null) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.waiting.push({ count, replies: [], resolve, reject });
      this.socket.write(commands);
    });
  }

  /** Closes the connection. */
  close(): void {
    this.failure ??= new Error('the Redis connection was closed');
    this.socket.end();
  }

  private receive(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    let offset = 0;
    while (this.waiting.length > 0) {
      const parsed = parseReply(this.buffer, offset);
      if (parsed === null) break;
      offset = parsed.next;
      const head = this.waiting[0];
      head.replies.push(parsed.reply);
      if (head.replies.length === head.count) {
        this.waiting.shift();
        head.resolve(head.replies);
      }
    }
    this.buffer = offset >= this.buffer.length ? Buffer.alloc(0) : this.buffer.subarray(offset);
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const waiter of this.waiting.splice(0)) waiter.reject(this.failure);
  }
}

function parseReply(buffer: Buffer, offset: number): { reply: RespReply; next: number } | null {
  const end = buffer.indexOf(CRLF, offset);
  if (end === -1) return null;
  const type = buffer[offset];
  const text = buffer.toString('utf8', offset + 1, end);
  if (type === 0x3a) return { reply: Number(text), next: end + 2 }; // ':'
  if (type === 0x2b) return { reply: text, next: end + 2 }; // '+'
  if (type === 0x2d) return { reply: new RespErrorReply(text), next: end + 2 }; // '-'
  if (type === 0x24) {
    const length = Number(text);
    if (length === -1) return { reply: null, next: end + 2 };
    if (buffer.length < end + 2 + length + 2) return null;
    return { reply: buffer.toString('utf8', end + 2, end + 2 + length), next: end + 2 + length + 2 };
  }
  throw new Error(`unexpected Redis reply type '${String.fromCharCode(type)}'`);
}
