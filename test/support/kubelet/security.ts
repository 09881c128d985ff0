/**
 * Who a container's process runs as, decided as the kubelet and containerd decide it: the
 * container's securityContext over the pod's over the image's USER, the runAsNonRoot check, the
 * groups, HOME, capabilities and no_new_privs.
 */
import { ContainerConfigError, UnsupportedSpecError } from './errors.js';
import type { Image } from './image.js';
import type { Container, PodSpec } from './spec.js';

/** The process identity and privileges. */
export interface ProcessIdentity {
  readonly uid: number;
  readonly gid: number;
  /** Supplementary groups: the primary gid, the image's groups for the user, fsGroup, supplementalGroups. */
  readonly groups: readonly number[];
  /** From the image's /etc/passwd for the uid, else '/'; runc sets it unless the env does. */
  readonly home: string;
  /** Capabilities left in the bounding set, lower case without `cap_` (as setpriv spells them). */
  readonly capabilities: readonly string[];
  /** `allowPrivilegeEscalation: false`. */
  readonly noNewPrivileges: boolean;
  readonly readOnlyRootFilesystem: boolean;
}

interface Account {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
  readonly home: string;
}

interface Group {
  readonly name: string;
  readonly gid: number;
  readonly members: readonly string[];
}

/** containerd's default capability set for a container. */
const DEFAULT_CAPABILITIES = [
  'chown', 'dac_override', 'fsetid', 'fowner', 'mknod', 'net_raw', 'setgid', 'setuid', 'setfcap', 'setpcap', 'net_bind_service', 'sys_chroot', 'kill', 'audit_write',
] as const;

/** Every capability setpriv knows, for `add: [ALL]`. */
const ALL_CAPABILITIES = [
  ...DEFAULT_CAPABILITIES, 'dac_read_search', 'linux_immutable', 'net_broadcast', 'net_admin', 'ipc_lock', 'ipc_owner', 'sys_module', 'sys_rawio', 'sys_ptrace',
  'sys_pacct', 'sys_admin', 'sys_boot', 'sys_nice', 'sys_resource', 'sys_time', 'sys_tty_config', 'lease', 'audit_control', 'mac_override', 'mac_admin', 'syslog',
  'wake_alarm', 'block_suspend', 'audit_read', 'perfmon', 'bpf', 'checkpoint_restore',
] as const;

/** The identity of `container`'s process; throws ContainerConfigError where the kubelet refuses to start it. */
export function processIdentity(pod: PodSpec, container: Container, image: Image): ProcessIdentity {
  const podContext = pod.securityContext ?? {};
  const context = container.securityContext ?? {};
  if (context.privileged === true) throw new UnsupportedSpecError(`container ${container.name}: privileged containers are not supported by the kubelet harness`);
  const accounts = parseAccounts(imageFile(image, '/etc/passwd'));
  const groups = parseGroups(imageFile(image, '/etc/group'));

  // kubelet: without runAsUser, the image's user stands in; containerd drops its ':group' part.
  const imageUser = image.config.user.split(':')[0];
  const imageUid = imageUser === '' ? 0 : /^\d+$/.test(imageUser) ? Number(imageUser) : null;
  const runAsUser = context.runAsUser ?? podContext.runAsUser ?? imageUid;
  const username = runAsUser === null ? imageUser : null;
  const runAsGroup = context.runAsGroup ?? podContext.runAsGroup;
  verifyRunAsNonRoot(container, context.runAsNonRoot ?? podContext.runAsNonRoot, context.runAsUser ?? podContext.runAsUser, runAsUser, username);

  // containerd's WithUser: a uid without a group takes the passwd entry's gid, else 0 (root's group).
  const account = runAsUser !== null ? accounts.find((entry) => entry.uid === runAsUser) : accounts.find((entry) => entry.name === username);
  if (account === undefined && username !== null) throw new ContainerConfigError(container.name, `unable to find user ${username}: no matching entries in passwd file`);
  const uid = runAsUser ?? account?.uid ?? 0;
  const gid = runAsGroup ?? account?.gid ?? 0;

  const memberOf = account === undefined || podContext.supplementalGroupsPolicy === 'Strict'
    ? []
    : groups.filter((group) => group.name !== account.name && group.members.includes(account.name)).map((group) => group.gid);
  const supplementary = [gid, ...memberOf, ...(podContext.fsGroup === undefined ? [] : [podContext.fsGroup]), ...(podContext.supplementalGroups ?? [])];

  return {
    uid,
    gid,
    groups: [...new Set(supplementary)],
    home: account?.home ?? '/',
    capabilities: capabilities(context.capabilities?.add ?? [], context.capabilities?.drop ?? []),
    noNewPrivileges: context.allowPrivilegeEscalation === false,
    readOnlyRootFilesystem: context.readOnlyRootFilesystem === true,
  };
}

/** The kubelet's verifyRunAsNonRoot, with its messages. */
function verifyRunAsNonRoot(container: Container, runAsNonRoot: boolean | undefined, specifiedUser: number | undefined, uid: number | null, username: string | null): void {
  if (runAsNonRoot !== true) return;
  if (specifiedUser !== undefined) {
    if (specifiedUser === 0) throw new ContainerConfigError(container.name, `container's runAsUser breaks non-root policy (container: ${container.name})`);
    return;
  }
  if (uid === 0) throw new ContainerConfigError(container.name, `container has runAsNonRoot and image will run as root (container: ${container.name})`);
  if (uid === null && username !== null) {
    throw new ContainerConfigError(container.name, `container has runAsNonRoot and image has non-numeric user (${username}), cannot verify user is non-root (container: ${container.name})`);
  }
}

/** containerd: ALL first (add, then drop), then the named ones. */
function capabilities(add: readonly string[], drop: readonly string[]): string[] {
  const normalise = (name: string) => name.toLowerCase().replace(/^cap_/, '');
  const set = new Set<string>(DEFAULT_CAPABILITIES);
  if (add.some((name) => normalise(name) === 'all')) for (const name of ALL_CAPABILITIES) set.add(name);
  if (drop.some((name) => normalise(name) === 'all')) set.clear();
  for (const name of add.map(normalise)) if (name !== 'all') set.add(name);
  for (const name of drop.map(normalise)) if (name !== 'all') set.delete(name);
  return [...set];
}

function imageFile(image: Image, file: string): string {
  return image.files.find((entry) => entry.path === file)?.content ?? '';
}

function parseAccounts(passwd: string): Account[] {
  return passwd
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.startsWith('#'))
    .map((line) => line.split(':'))
    .map(([name, , uid, gid, , home]) => ({ name, uid: Number(uid), gid: Number(gid), home: home || '/' }));
}

function parseGroups(group: string): Group[] {
  return group
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.startsWith('#'))
    .map((line) => line.split(':'))
    .map(([name, , gid, members = '']) => ({ name, gid: Number(gid), members: members.split(',').filter((member) => member !== '') }));
}
