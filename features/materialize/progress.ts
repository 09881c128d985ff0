/** The materializer's progress: a bar on a terminal, nothing until the summary line otherwise. */

/** Returns a progress callback drawing on `stream` when it is a TTY, or a no-op. */
export function progressBar(stream: NodeJS.WriteStream): { update: (p: { bytes: number; totalBytes: number; rows: number }) => void; done: () => void } {
  if (!stream.isTTY) return { update: () => {}, done: () => {} };
  const started = performance.now();
  let last = 0;
  const update = ({ bytes, totalBytes, rows }: { bytes: number; totalBytes: number; rows: number }) => {
    const now = performance.now();
    if (now - last < 100 && bytes < totalBytes) return;
    last = now;
    const fraction = totalBytes === 0 ? 1 : Math.min(1, bytes / totalBytes);
    const width = 30;
    const filled = Math.round(fraction * width);
    const rate = Math.round(rows / Math.max(0.001, (now - started) / 1000));
    stream.write(`\r[${'='.repeat(filled)}${' '.repeat(width - filled)}] ${(fraction * 100).toFixed(0).padStart(3)}% ${rows.toLocaleString('en-US')} rows ${rate.toLocaleString('en-US')} rows/s`);
  };
  return { update, done: () => stream.write('\n') };
}
