/**
 * Run by `npm test` before the suite: the tests start real servers (Redis, Prometheus, Git over
 * HTTP, promtool, openssl), so a fresh machine gets them here, once, rather than failing file by
 * file. A test that still finds one missing fails loudly (processes.ts `requireBinary`).
 */
import { UserError } from '../../cli/command.js';
import { ensureSystemTools, type SystemToolName } from '../../cli/system-tools.js';

const TEST_TOOLS: readonly SystemToolName[] = ['redis-server', 'redis-cli', 'prometheus', 'promtool', 'git', 'openssl', 'jq', 'setpriv', 'ps'];

try {
  ensureSystemTools(TEST_TOOLS, 'the tests run real Redis, Prometheus and Git servers on loopback ports');
} catch (error) {
  if (!(error instanceof UserError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exitCode = 1;
}
