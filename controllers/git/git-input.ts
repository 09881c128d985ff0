/**
 * Runs one git plumbing command that reads its input from stdin (`commit-tree -F -`, `mktree`),
 * which simple-git cannot feed; everything else goes through simple-git.
 */
import { spawn } from 'node:child_process';

/** Runs `git args` in `cwd` with `input` on stdin; resolves with trimmed stdout or rejects with stderr. */
export function gitWithInput(cwd: string, args: readonly string[], input: string, env?: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, { cwd, env: env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(stdout.trim());
      else reject(new Error(`git ${args.join(' ')} failed (${code}): ${stderr.trim()}`));
    });
    child.stdin.end(input);
  });
}
