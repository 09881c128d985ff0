#!/usr/bin/env node
/**
 * Names the Slipway image by digest in Project documents, keeping their comments and layout.
 *
 *   node .github/scripts/pin-image.mjs <registry/name:tag@sha256:<64 hex>> <slipway.yaml>...
 *
 * Used by .github/workflows/release.yml after it pushed the image: the pull request it opens
 * changes `spec.image` of this repository's example and of the `slipway init` template to exactly
 * what was pushed, so the pinnedImages guardrail can be turned on. Nothing else in a file changes;
 * a file without a Project `spec.image` is an error, not a silent no-op.
 */
import { readFileSync, writeFileSync } from 'node:fs';

const DIGEST_REFERENCE = /^[a-z0-9]+([._-][a-z0-9]+)*(\.[a-z0-9-]+)*(:[0-9]+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)+(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?@sha256:[a-f0-9]{64}$/;

function fail(message) {
  console.error(`pin-image: ${message}`);
  process.exit(1);
}

/**
 * The file's text with the Project's `spec.image` line set to `image`. Line-based on purpose: the
 * `slipway init` template holds `{{placeholders}}` that a YAML round trip would rewrite.
 */
function pinImage(text, image, file) {
  if (!/^kind: Project$/m.test(text)) fail(`${file}: not a Project document`);
  const lines = text.split('\n');
  const imageLines = lines.flatMap((line, index) => (/^ {2}image: \S+$/.test(line) ? [index] : []));
  if (imageLines.length !== 1) fail(`${file}: expected one 'spec.image' line, found ${imageLines.length}`);
  lines[imageLines[0]] = `  image: ${image}`;
  return lines.join('\n');
}

const [image, ...files] = process.argv.slice(2);
if (image === undefined || files.length === 0) fail('usage: pin-image.mjs <name:tag@sha256:…> <slipway.yaml>...');
if (!DIGEST_REFERENCE.test(image)) fail(`'${image}' is not an image named by digest (registry/name[:tag]@sha256:<64 hex>)`);
for (const file of files) {
  writeFileSync(file, pinImage(readFileSync(file, 'utf8'), image, file));
  console.log(`${file}: spec.image = ${image}`);
}
