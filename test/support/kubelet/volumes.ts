/**
 * A pod's volumes on the host, set up as the kubelet's volume plugins do: emptyDir a fresh 0777
 * directory (a tmpfs for `medium: Memory`, mounted in the pod sandbox), ConfigMap, Secret,
 * downwardAPI and projected volumes written by the atomic writer and always mounted read-only,
 * and fsGroup applied as SetVolumeOwnership applies it.
 */
import { chmod, lchown, lstat, mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import { writeAtomically, type PayloadFile } from './atomic-writer.js';
import { fieldValue, type PodIdentity } from './downward-api.js';
import { UnsupportedSpecError, VolumeMountError } from './errors.js';
import { parseQuantity } from './quantity.js';
import type { DownwardAPIVolumeFile, KeyToPath, ObjectData, PodSpec, Volume } from './spec.js';

/** A volume as the containers' mounts see it. */
export interface PodVolume {
  readonly name: string;
  readonly kind: 'emptyDir' | 'configMap' | 'secret' | 'downwardAPI' | 'projected';
  /** The directory on the host (for a Memory emptyDir, the tmpfs is mounted there in the sandbox only). */
  readonly hostPath: string;
  /** ConfigMap, Secret, downwardAPI and projected volumes are always read-only (since Kubernetes 1.10). */
  readonly readOnly: boolean;
  /** `medium: Memory`: a tmpfs of `sizeLimit` bytes (kubelet ≥ 1.22, SizeMemoryBackedVolumes). */
  readonly memory: boolean;
  /** emptyDir `sizeLimit` in bytes. On disk the kubelet enforces it by eviction, which the harness does not do. */
  readonly sizeLimit: number | null;
  readonly source: Volume;
}

/** The files of the service account token volume (`kube-api-access-*`), when one is mounted. */
export interface ServiceAccountFiles {
  readonly token: string;
  readonly caCrt: string;
}

/** What volume contents are made from. */
export interface VolumeSources {
  readonly pod: PodIdentity;
  readonly configMaps: ObjectData;
  readonly secrets: ObjectData;
  readonly serviceAccount: ServiceAccountFiles | null;
}

/** The default `defaultMode` of ConfigMap, Secret, downwardAPI and projected volumes. */
const DEFAULT_MODE = 0o644;

/** Checks every volume's type and lays out the host directories (not yet the content). */
export function planVolumes(spec: PodSpec, podDir: string): PodVolume[] {
  return (spec.volumes ?? []).map((volume) => {
    const hostPath = path.join(podDir, 'volumes', volume.name);
    const base = { name: volume.name, hostPath, source: volume, memory: false, sizeLimit: null };
    if (volume.emptyDir !== undefined) {
      const medium = volume.emptyDir.medium ?? '';
      if (medium !== '' && medium !== 'Memory') throw new UnsupportedSpecError(`volume ${volume.name}: emptyDir medium '${medium}' is not supported`);
      const sizeLimit = volume.emptyDir.sizeLimit === undefined ? null : parseQuantity(volume.emptyDir.sizeLimit);
      return { ...base, kind: 'emptyDir', readOnly: false, memory: medium === 'Memory', sizeLimit };
    }
    if (volume.configMap !== undefined) return { ...base, kind: 'configMap', readOnly: true };
    if (volume.secret !== undefined) return { ...base, kind: 'secret', readOnly: true };
    if (volume.downwardAPI !== undefined) return { ...base, kind: 'downwardAPI', readOnly: true };
    if (volume.projected !== undefined) return { ...base, kind: 'projected', readOnly: true };
    const kind = Object.keys(volume).find((key) => key !== 'name') ?? 'none';
    throw new UnsupportedSpecError(`volume ${volume.name}: volume type '${kind}' is not supported by the kubelet harness`);
  });
}

/** Creates the volume directory (before the sandbox mounts a tmpfs over a Memory emptyDir). */
export async function createVolumeDirectory(volume: PodVolume): Promise<void> {
  await mkdir(volume.hostPath, { recursive: true });
  // The emptyDir plugin's mode, whatever the umask; the projected kinds wrap an emptyDir too.
  await chmod(volume.hostPath, 0o777);
}

/**
 * Writes the volume's content (projected kinds) and applies fsGroup. `view` is the path through
 * which the harness reaches `hostPath` as the pod sees it (the sandbox's root for a tmpfs).
 */
export async function setUpVolume(volume: PodVolume, sources: VolumeSources, fsGroup: number | undefined, view: string): Promise<void> {
  if (volume.kind !== 'emptyDir') {
    try {
      await writeAtomically(view, payloadOf(volume.source, sources));
    } catch (error) {
      if (error instanceof VolumeMountError || error instanceof UnsupportedSpecError) throw error;
      throw new VolumeMountError(volume.name, error instanceof Error ? error.message : String(error));
    }
  }
  if (fsGroup !== undefined) await setVolumeOwnership(view, fsGroup, volume.readOnly);
}

/** Whether the volume shows data of ConfigMap (or Secret) `name`, so that an update must rewrite it. */
export function usesObject(volume: PodVolume, kind: 'configMap' | 'secret', name: string): boolean {
  const source = volume.source;
  if (kind === 'configMap' && source.configMap?.name === name) return true;
  if (kind === 'secret' && source.secret?.secretName === name) return true;
  return (source.projected?.sources ?? []).some((projection) => (kind === 'configMap' ? projection.configMap?.name : projection.secret?.name) === name);
}

/** The files of a ConfigMap, Secret, downwardAPI or projected volume (configmap.MakePayload and friends). */
function payloadOf(volume: Volume, sources: VolumeSources): Map<string, PayloadFile> {
  const fail = (message: string) => new VolumeMountError(volume.name, message);
  if (volume.configMap !== undefined) {
    const { name = '', items, optional, defaultMode = DEFAULT_MODE } = volume.configMap;
    return objectPayload('configmap', name, sources.configMaps.get(name), items, optional === true, defaultMode, fail);
  }
  if (volume.secret !== undefined) {
    const { secretName = '', items, optional, defaultMode = DEFAULT_MODE } = volume.secret;
    return objectPayload('secret', secretName, sources.secrets.get(secretName), items, optional === true, defaultMode, fail);
  }
  if (volume.downwardAPI !== undefined) {
    return downwardPayload(volume.downwardAPI.items ?? [], volume.downwardAPI.defaultMode ?? DEFAULT_MODE, sources.pod, volume.name);
  }
  const projected = volume.projected;
  if (projected === undefined) throw new UnsupportedSpecError(`volume ${volume.name}: no payload for this volume type`);
  const defaultMode = projected.defaultMode ?? DEFAULT_MODE;
  const payload = new Map<string, PayloadFile>();
  for (const projection of projected.sources ?? []) {
    if (projection.configMap !== undefined) {
      const { name = '', items, optional } = projection.configMap;
      merge(payload, objectPayload('configmap', name, sources.configMaps.get(name), items, optional === true, defaultMode, fail));
    } else if (projection.secret !== undefined) {
      const { name = '', items, optional } = projection.secret;
      merge(payload, objectPayload('secret', name, sources.secrets.get(name), items, optional === true, defaultMode, fail));
    } else if (projection.downwardAPI !== undefined) {
      merge(payload, downwardPayload(projection.downwardAPI.items ?? [], defaultMode, sources.pod, volume.name));
    } else if (projection.serviceAccountToken !== undefined) {
      if (sources.serviceAccount === null) throw fail('a serviceAccountToken projection, but the harness was given no serviceAccount');
      payload.set(projection.serviceAccountToken.path, { content: sources.serviceAccount.token, mode: defaultMode });
    } else {
      throw new UnsupportedSpecError(`volume ${volume.name}: projected source '${Object.keys(projection).join(',')}' is not supported`);
    }
  }
  return payload;
}

function objectPayload(
  kind: 'configmap' | 'secret',
  name: string,
  data: Readonly<Record<string, string>> | undefined,
  items: readonly KeyToPath[] | undefined,
  optional: boolean,
  defaultMode: number,
  fail: (message: string) => Error,
): Map<string, PayloadFile> {
  const payload = new Map<string, PayloadFile>();
  if (data === undefined) {
    if (optional) return payload;
    throw fail(`${kind} "${name}" not found`);
  }
  if (items === undefined || items.length === 0) {
    for (const [key, content] of Object.entries(data)) payload.set(key, { content, mode: defaultMode });
    return payload;
  }
  for (const item of items) {
    const content = data[item.key];
    if (content === undefined) {
      if (optional) continue;
      throw fail(kind === 'configmap' ? `configmap references non-existent config key: ${item.key}` : `references non-existent secret key: ${item.key}`);
    }
    payload.set(item.path, { content, mode: item.mode ?? defaultMode });
  }
  return payload;
}

function downwardPayload(items: readonly DownwardAPIVolumeFile[], defaultMode: number, pod: PodIdentity, volume: string): Map<string, PayloadFile> {
  const payload = new Map<string, PayloadFile>();
  for (const item of items) {
    if (item.fieldRef === undefined) throw new UnsupportedSpecError(`volume ${volume}: downwardAPI item ${item.path}: only fieldRef is supported`);
    payload.set(item.path, { content: fieldValue(pod, item.fieldRef.fieldPath), mode: item.mode ?? defaultMode });
  }
  return payload;
}

function merge(into: Map<string, PayloadFile>, from: ReadonlyMap<string, PayloadFile>): void {
  for (const [key, value] of from) into.set(key, value);
}

/** pkg/volume/volume_linux.go: group fsGroup everywhere, group rw (ro for read-only volumes), setgid directories. */
async function setVolumeOwnership(root: string, fsGroup: number, readOnly: boolean): Promise<void> {
  const mask = readOnly ? 0o440 : 0o660;
  const walk = async (target: string): Promise<void> => {
    const info = await lstat(target);
    await lchown(target, -1, fsGroup);
    if (info.isSymbolicLink()) return; // lchown only; the kubelet does not alter symlinks
    if (info.isDirectory()) {
      await chmod(target, (info.mode & 0o7777) | mask | 0o110 | 0o2000);
      for (const entry of await readdir(target)) await walk(path.join(target, entry));
      return;
    }
    await chmod(target, (info.mode & 0o7777) | mask);
  };
  await walk(root);
}
