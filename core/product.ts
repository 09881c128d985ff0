/** Slipway's own name and version, read once from the package.json the build and the image ship. */
import { readFileSync } from 'node:fs';

/** The product's version (`package.json` "version"): what the V2 server metadata and ONNX producers report. */
export const PRODUCT_VERSION: string = readVersion();

function readVersion(): string {
  // Runs as build/core/product.js, two levels below the package root (in the image too: /app).
  const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
  if (typeof manifest.version !== 'string') throw new Error('package.json has no "version"');
  return manifest.version;
}
