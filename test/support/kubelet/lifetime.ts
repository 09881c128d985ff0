/**
 * Last-resort cleanup when the test process exits without stopping its pods (a failed assertion,
 * an uncaught error). Processes die with their parent anyway (PR_SET_PDEATHSIG); this also removes
 * the pod directories. `exit` handlers must be synchronous.
 */
const cleanups = new Set<() => void>();
let installed = false;

/** Runs `cleanup` if the process exits first; the returned function cancels that. */
export function onProcessExit(cleanup: () => void): () => void {
  if (!installed) {
    process.once('exit', () => {
      for (const run of cleanups) {
        try {
          run();
        } catch {
          // keep cleaning up the others; the process is going away
        }
      }
    });
    installed = true;
  }
  cleanups.add(cleanup);
  return () => cleanups.delete(cleanup);
}
