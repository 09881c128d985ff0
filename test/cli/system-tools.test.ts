/**
 * A fresh machine: missing programs are installed through apt-get when this user may (root, or
 * passwordless sudo), after one line saying what and why; otherwise the error is the command to
 * run. Each case runs against its own PATH holding only `sh` and stand-ins for apt-get and sudo
 * that record how they were called, so nothing is installed on this machine.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { UserError } from '../../cli/command.js';
import { ensureSystemTools, type ToolEnvironment } from '../../cli/system-tools.js';

/** apt-get that logs its arguments and, on install, puts each package's binaries on the PATH. */
function fakeAptGet(bin: string, calls: string, options: { failInstall?: boolean } = {}): string {
  const provides: Record<string, string> = { jq: 'jq', 'redis-tools': 'redis-cli', 'redis-server': 'redis-server' };
  const cases = Object.entries(provides)
    .map(([pkg, binary]) => `    ${pkg}) printf '#!/bin/sh\\n' > "${bin}/${binary}"; /bin/chmod +x "${bin}/${binary}" ;;`)
    .join('\n');
  const install = options.failInstall === true ? `echo "E: Unable to locate package $last" >&2; exit 100` : `for pkg in "$@"; do case "$pkg" in\n${cases}\n  esac; done`;
  return `#!/bin/sh
echo "apt-get $*" >> "${calls}"
last=""; for arg in "$@"; do last="$arg"; done
case " $* " in *" install "*) ${install} ;; esac
exit 0
`;
}

/** sudo that allows `-n` and runs the rest, logging that it did. */
function fakeSudo(calls: string): string {
  return `#!/bin/sh
echo "sudo $*" >> "${calls}"
[ "$1" = "-n" ] || exit 1
shift
[ "$1" = "true" ] && exit 0
exec "$@"
`;
}

describe('ensureSystemTools on a machine missing programs', () => {
  let bin: string;
  let calls: string;
  let announced: string[];
  const environment = (isRoot: boolean): ToolEnvironment => ({ path: bin, isRoot, announce: (line) => announced.push(line) });
  const recorded = async () => (existsSync(calls) ? (await readFile(calls, 'utf8')).trim().split('\n') : []);
  const script = async (name: string, text: string) => {
    await writeFile(path.join(bin, name), text);
    await chmod(path.join(bin, name), 0o755);
  };

  beforeEach(async () => {
    bin = await mkdtemp(path.join(tmpdir(), 'slipway-tools-'));
    calls = path.join(bin, 'calls.log');
    announced = [];
    await symlink('/bin/sh', path.join(bin, 'sh'));
  });
  afterEach(() => rm(bin, { recursive: true, force: true }));

  it('as root installs the packages of the missing binaries after one line naming them and why', async () => {
    await script('apt-get', fakeAptGet(bin, calls));
    ensureSystemTools(['jq', 'redis-cli'], 'the tests need them', environment(true));
    assert.deepEqual(announced.length, 1);
    assert.match(announced[0] as string, /^installing jq, redis-tools \(Debian\) because the tests need them: +apt-get install -y jq redis-tools$/);
    const log = await recorded();
    assert.match(log[0] as string, /^apt-get .*update -qq$/);
    assert.match(log[1] as string, /^apt-get .*install -y -qq --no-install-recommends jq redis-tools$/);
    assert.ok(existsSync(path.join(bin, 'redis-cli')), 'redis-cli comes from the redis-tools package');
  });

  it('with passwordless sudo installs through sudo -n', async () => {
    await script('apt-get', fakeAptGet(bin, calls));
    await script('sudo', fakeSudo(calls));
    ensureSystemTools(['redis-server'], 'the demo starts a private Redis', environment(false));
    const log = await recorded();
    assert.ok(log.includes('sudo -n true'), 'checks sudo without a password first');
    assert.ok(log.some((line) => /^sudo -n apt-get .*install .*redis-server$/.test(line)), log.join('\n'));
    assert.match(announced[0] as string, /sudo -n apt-get install -y redis-server$/);
  });

  it('without root or sudo prints the one command and installs nothing', async () => {
    await script('apt-get', fakeAptGet(bin, calls));
    assert.throws(
      () => ensureSystemTools(['jq', 'redis-cli'], 'the tests need them', environment(false)),
      (error: Error) => error instanceof UserError && error.message === 'jq, redis-cli are not installed, and needed because the tests need them. Install with:\n  sudo apt-get install -y jq redis-tools',
    );
    assert.deepEqual(await recorded(), []);
    assert.deepEqual(announced, []);
  });

  it('without apt-get names the Debian packages and the Homebrew formulas', () => {
    assert.throws(
      () => ensureSystemTools(['redis-server'], 'the demo starts a private Redis', environment(true)),
      (error: Error) => error instanceof UserError && /Install the Debian packages redis-server or your system's equivalent:\n {2}brew install redis {3}\(macOS\)$/.test(error.message),
    );
  });

  it("reports apt-get's own refusal as a user error, not a stack trace", async () => {
    await script('apt-get', fakeAptGet(bin, calls, { failInstall: true }));
    assert.throws(
      () => ensureSystemTools(['jq'], 'the tests need it', environment(true)),
      (error: Error) => error instanceof UserError && error.message === 'apt-get install jq failed: E: Unable to locate package jq',
    );
  });

  it('does nothing when every binary is already there', async () => {
    await script('apt-get', fakeAptGet(bin, calls));
    await script('jq', '#!/bin/sh\n');
    ensureSystemTools(['jq'], 'the tests need it', environment(true));
    assert.deepEqual(await recorded(), []);
    assert.deepEqual(announced, []);
  });
});
