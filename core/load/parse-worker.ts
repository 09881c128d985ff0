/** A worker thread that parses a share of a large repository's files (see `parse-files.ts`). */
import { parentPort } from 'node:worker_threads';
import { parsePlainYamlFile, type PlainFile, withPlainEnvironment } from './parse-yaml.js';

/** What the worker is sent: files and their texts. */
export interface ParseRequest {
  readonly files: readonly { readonly file: string; readonly text: string }[];
}

parentPort?.once('message', (request: ParseRequest) => {
  const parsed: PlainFile[] = withPlainEnvironment(() => request.files.map(({ file, text }) => parsePlainYamlFile(file, text)));
  parentPort!.postMessage(parsed);
});
