/**
 * Parses many files, on every core when there are enough of them to repay starting a worker:
 * YAML parsing is most of the cost of validating a large repository.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { ParseRequest } from './parse-worker.js';
import { type ParsedFile, type PlainFile, parseYamlFile, withLazySyntax, withPlainEnvironment } from './parse-yaml.js';

/** Below this many files a worker costs more (about 50 ms to start) than it saves. */
export const PARALLEL_THRESHOLD = 200;

/** A file's path and text. */
export interface SourceFile {
  readonly file: string;
  readonly text: string;
}

/** Parses every file, in the order given. */
export async function parseFiles(sources: readonly SourceFile[]): Promise<ParsedFile[]> {
  const threads = Math.min(availableParallelism(), 4);
  if (sources.length < PARALLEL_THRESHOLD || threads < 2) return withPlainEnvironment(() => sources.map(({ file, text }) => parseYamlFile(file, text)));
  // Interleave so each thread gets a similar mix of large and small files.
  const shares = Array.from({ length: threads }, (_, thread) => sources.filter((_, index) => index % threads === thread));
  const [own, ...others] = shares;
  const pending = others.map(parseInWorker);
  const ownParsed = withPlainEnvironment(() => own.map(({ file, text }) => parseYamlFile(file, text)));
  const workerParsed = await Promise.all(pending);
  const byThread = [ownParsed, ...workerParsed.map((plainFiles, thread) => plainFiles.map((plain, index) => withLazySyntax(plain, others[thread][index].text)))];
  return sources.map((_, index) => byThread[index % threads][Math.floor(index / threads)]);
}

function parseInWorker(files: readonly SourceFile[]): Promise<PlainFile[]> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./parse-worker.js', import.meta.url));
    worker.once('message', (parsed: PlainFile[]) => {
      resolve(parsed);
      void worker.terminate();
    });
    worker.once('error', reject);
    worker.postMessage({ files } satisfies ParseRequest);
  });
}
