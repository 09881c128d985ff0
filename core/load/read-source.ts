/** Reads one document file as text, refusing what is too large or not UTF-8. */
import { open } from 'node:fs/promises';
import path from 'node:path';
import type { Diagnostic } from '../diagnostics.js';
import { gitBlobId } from './catalog-digest.js';
import { isMissing } from './discover.js';

/** Larger files are refused unread: no catalog document is anywhere near this. */
export const MAX_FILE_BYTES = 4 * 1024 * 1024;

/** The file's text, or the problem that stops it being read. */
export type SourceText = { readonly ok: true; readonly text: string; readonly blobId: string } | { readonly ok: false; readonly diagnostic: Diagnostic };

/** Reads `relativePath` under `root`. */
export async function readSourceFile(root: string, relativePath: string): Promise<SourceText> {
  const problem = (message: string, rule: string, line = 1, column = 1): SourceText => ({
    ok: false,
    diagnostic: { file: relativePath, line, column, path: '', message, rule },
  });
  let handle;
  try {
    handle = await open(path.join(root, relativePath), 'r');
  } catch (error) {
    if (isMissing(error)) return problem('file not found', 'file-missing');
    return problem(`cannot read file: ${(error as Error).message}`, 'file-unreadable');
  }
  try {
    const { size } = await handle.stat();
    if (size > MAX_FILE_BYTES) {
      return problem(
        `file is ${formatMegabytes(size)}, over the ${formatMegabytes(MAX_FILE_BYTES)} limit for a document file`,
        'file-too-large',
      );
    }
    const bytes = await handle.readFile();
    return decodeUtf8(bytes, problem);
  } finally {
    await handle.close();
  }
}

function decodeUtf8(
  bytes: Buffer,
  problem: (message: string, rule: string, line?: number, column?: number) => SourceText,
): SourceText {
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return { ok: true, text: text.startsWith('\uFEFF') ? text.slice(1) : text, blobId: gitBlobId(bytes) };
  } catch {
    const offset = firstInvalidUtf8Offset(bytes);
    const before = bytes.subarray(0, offset).toString('utf8');
    const line = before.split('\n').length;
    const column = before.length - before.lastIndexOf('\n');
    return problem(`byte 0x${bytes[offset].toString(16).padStart(2, '0')} is not valid UTF-8; save the file as UTF-8`, 'not-utf8', line, column);
  }
}

// Walks the bytes with the UTF-8 grammar to find where decoding fails.
function firstInvalidUtf8Offset(bytes: Buffer): number {
  let i = 0;
  while (i < bytes.length) {
    const byte = bytes[i];
    const length = byte < 0x80 ? 1 : byte >> 5 === 0b110 ? 2 : byte >> 4 === 0b1110 ? 3 : byte >> 3 === 0b11110 ? 4 : 0;
    if (length === 0) return i;
    for (let k = 1; k < length; k++) {
      if (i + k >= bytes.length || bytes[i + k] >> 6 !== 0b10) return i;
    }
    i += length;
  }
  return Math.max(0, bytes.length - 1);
}

function formatMegabytes(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}
