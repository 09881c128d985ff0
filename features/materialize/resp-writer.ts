/** Appends RESP arrays and bulk strings into one growing buffer (no per-argument allocations). */

/** A buffer of encoded commands. */
export class RespWriter {
  private buffer: Buffer;
  private length = 0;

  constructor(initialSize: number) {
    this.buffer = Buffer.allocUnsafe(initialSize);
  }

  /** `*<count>\r\n`. */
  arrayHeader(count: number): void {
    this.ascii(`*${count}\r\n`);
  }

  /** A bulk string of bytes. */
  bulk(bytes: Uint8Array): void {
    this.ascii(`$${bytes.length}\r\n`);
    this.reserve(bytes.length + 2);
    this.buffer.set(bytes, this.length);
    this.length += bytes.length;
    this.buffer[this.length++] = 13;
    this.buffer[this.length++] = 10;
  }

  /** A bulk string of ASCII text. */
  bulkAscii(text: string): void {
    this.ascii(`$${text.length}\r\n${text}\r\n`);
  }

  /** The bytes written so far. */
  finish(): Buffer {
    return this.buffer.subarray(0, this.length);
  }

  private ascii(text: string): void {
    this.reserve(text.length);
    this.length += this.buffer.write(text, this.length, 'latin1');
  }

  private reserve(extra: number): void {
    if (this.length + extra <= this.buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.length + extra));
    this.buffer.copy(grown, 0, 0, this.length);
    this.buffer = grown;
  }
}
