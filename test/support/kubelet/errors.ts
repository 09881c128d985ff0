/**
 * Why a pod did not run, one class per kubelet condition, so that tests branch on the type (and
 * assert on the reason a cluster would show in `kubectl get pod`), never on the wording.
 */

/** The Dockerfile holds something the harness cannot reproduce; the harness refuses to guess. */
export class DockerfileError extends Error {
  override readonly name = 'DockerfileError';
}

/** The PodSpec uses a feature the harness does not implement, so running it would prove nothing. */
export class UnsupportedSpecError extends Error {
  override readonly name = 'UnsupportedSpecError';
}

/** The API server would reject the PodSpec (schema), so no kubelet would ever see it. */
export class InvalidSpecError extends Error {
  override readonly name = 'InvalidSpecError';
}

/** The kubelet's `CreateContainerConfigError`: a missing Secret, ConfigMap or key, a runAsNonRoot breach. */
export class ContainerConfigError extends Error {
  override readonly name = 'ContainerConfigError';
  readonly reason = 'CreateContainerConfigError';
  constructor(readonly container: string, message: string) {
    super(`container ${container}: ${message}`);
  }
}

/** The kubelet's `FailedMount` event: a volume could not be set up, so the pod stays ContainerCreating. */
export class VolumeMountError extends Error {
  override readonly name = 'VolumeMountError';
  readonly reason = 'FailedMount';
  constructor(readonly volume: string, message: string) {
    super(`MountVolume.SetUp failed for volume "${volume}" : ${message}`);
  }
}

/** The runtime could not start the process (`RunContainerError`/`StartError`): bad mount, no such executable. */
export class ContainerStartError extends Error {
  override readonly name = 'ContainerStartError';
  readonly reason = 'RunContainerError';
  constructor(readonly container: string, message: string) {
    super(`container ${container}: ${message}`);
  }
}

/** An init container exited non-zero: the pod never starts its containers (`Init:Error`). */
export class InitContainerError extends Error {
  override readonly name = 'InitContainerError';
  readonly reason = 'Init:Error';
  constructor(readonly container: string, readonly exitCode: number, readonly stderr: string) {
    super(`init container ${container} exited with ${exitCode}: ${stderr.trim().split('\n').slice(-20).join('\n')}`);
  }
}

/** A probe never succeeded in time, or the container exited while waiting for it. */
export class NotReadyError extends Error {
  override readonly name = 'NotReadyError';
  constructor(readonly container: string, message: string) {
    super(`container ${container}: ${message}`);
  }
}
