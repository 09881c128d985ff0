/**
 * The image's root filesystem as the repository's Dockerfile run stage builds it, laid out from
 * host paths instead of built: each instruction of the run stage maps to read-only host
 * directories or files, and an instruction the harness cannot map fails loudly, so the harness
 * cannot drift from the Dockerfile without a test noticing.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { constants } from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT } from '../example-repo.js';
import { commandForm, envPairs, parseInstructions, parseStages, words, type Instruction, type Stage } from './dockerfile.js';
import { DockerfileError } from './errors.js';

/** The image's config as an OCI image records it (what `docker inspect` shows under Config). */
export interface ImageConfig {
  /** ENV, base image first, in order; a later ENV replaces a name in place. */
  readonly env: readonly (readonly [name: string, value: string])[];
  /** WORKDIR; '/' when none. */
  readonly workdir: string;
  /** USER exactly as written (e.g. '1000:1000'); '' means root. */
  readonly user: string;
  readonly entrypoint: readonly string[];
  readonly cmd: readonly string[];
  /** STOPSIGNAL; SIGTERM by default. */
  readonly stopSignal: NodeJS.Signals;
}

/**
 * A host path standing for what the Dockerfile put at `target`: a directory becomes the lower layer
 * of an overlay (writes go to the container's upper layer, as with containerd's snapshotter), a
 * file is copied into the container's root filesystem, as COPY does.
 */
export interface ImageLayer {
  readonly target: string;
  readonly source: string;
  readonly kind: 'directory' | 'file';
  /** The Dockerfile line (or base image) this layer stands for. */
  readonly origin: string;
}

/** A directory of the image's own (not bound from the host), created in the container's writable layer. */
export interface ImageDirectory {
  readonly path: string;
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
}

/** A symlink of the image, e.g. Debian's merged-/usr `/bin -> usr/bin`. */
export interface ImageSymlink {
  readonly path: string;
  readonly target: string;
}

/** A file whose content the image has and the host does not (the base image's /etc/passwd). */
export interface ImageFile {
  readonly path: string;
  readonly content: string;
}

/** Everything a container runtime needs from an image. */
export interface Image {
  /** The run stage's base image reference. */
  readonly base: string;
  readonly config: ImageConfig;
  /** Created first, in order. */
  readonly directories: readonly ImageDirectory[];
  readonly symlinks: readonly ImageSymlink[];
  /** In Dockerfile order, parents before children. */
  readonly layers: readonly ImageLayer[];
  /** Written over the layers (in the upper layer of the overlay they fall into). */
  readonly files: readonly ImageFile[];
}

/** Where the image comes from. */
export interface LoadImageOptions {
  /** The build context; default: this repository. */
  readonly repository?: string;
  /** The Dockerfile, absolute or relative to the repository; default 'Dockerfile'. */
  readonly dockerfile?: string;
}

/** What a base image brings that its Dockerfile does not say: its config, users and directories. */
interface BaseImage {
  readonly pattern: RegExp;
  readonly nodeMajor: string;
  readonly config: Omit<ImageConfig, 'env'> & { readonly env: readonly (readonly [string, string])[] };
  readonly passwd: readonly string[];
  readonly group: readonly string[];
  readonly directories: readonly ImageDirectory[];
}

/** The directories of a Debian image that the harness does not bind from the host. */
const DEBIAN_DIRECTORIES: readonly ImageDirectory[] = [
  { path: '/tmp', mode: 0o1777, uid: 0, gid: 0 },
  { path: '/var', mode: 0o755, uid: 0, gid: 0 },
  { path: '/var/tmp', mode: 0o1777, uid: 0, gid: 0 },
  { path: '/run', mode: 0o755, uid: 0, gid: 0 },
  { path: '/root', mode: 0o700, uid: 0, gid: 0 },
  { path: '/home', mode: 0o755, uid: 0, gid: 0 },
  { path: '/opt', mode: 0o755, uid: 0, gid: 0 },
  { path: '/srv', mode: 0o755, uid: 0, gid: 0 },
  { path: '/mnt', mode: 0o755, uid: 0, gid: 0 },
  { path: '/media', mode: 0o755, uid: 0, gid: 0 },
];

/** The official node image (docker-library/node): its config and its `node` user (uid 1000). */
const BASE_IMAGES: readonly BaseImage[] = [
  {
    pattern: /^node:20-bookworm-slim(?:@sha256:[0-9a-f]{64})?$/,
    nodeMajor: '20',
    config: {
      env: [
        ['PATH', '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
        ['NODE_VERSION', ''], // filled in with the host's node version, which stands in for the image's
        ['YARN_VERSION', '1.22.22'],
      ],
      workdir: '/',
      user: '',
      entrypoint: ['docker-entrypoint.sh'],
      cmd: ['node'],
      stopSignal: 'SIGTERM',
    },
    passwd: ['node:x:1000:1000::/home/node:/bin/bash'],
    group: ['node:x:1000:'],
    directories: [...DEBIAN_DIRECTORIES, { path: '/home/node', mode: 0o755, uid: 1000, gid: 1000 }],
  },
];

/** The base image's Debian userland, taken from the host (Debian too); `git` and `ca-certificates` come with it. */
const HOST_SYSTEM_PATHS = ['/usr', '/bin', '/sbin', '/lib', '/lib64', '/etc'] as const;

/** Reads the Dockerfile and maps its final stage, which must be named `run`, to host paths. */
export function loadImage(options: LoadImageOptions = {}): Image {
  const repository = options.repository ?? PROJECT_ROOT;
  const file = path.resolve(repository, options.dockerfile ?? 'Dockerfile');
  const stages = parseStages(parseInstructions(readFileSync(file, 'utf8')));
  const run = stages[stages.length - 1];
  if (run === undefined || run.name !== 'run') {
    throw new DockerfileError(`${file}: the final stage must be 'FROM <image> AS run' (got '${run?.name ?? 'no stage'}')`);
  }
  try {
    return new ImageBuilder(repository, stages, run).build();
  } catch (error) {
    if (error instanceof DockerfileError) throw new DockerfileError(`${file}: ${error.message}`, { cause: error });
    throw error;
  }
}

/** Walks the run stage instruction by instruction, as a builder would. */
class ImageBuilder {
  private readonly env = new Map<string, string>();
  private workdir = '/';
  private user = '';
  private entrypoint: string[] = [];
  private cmd: string[] = [];
  private cmdFromBase = true;
  private stopSignal: NodeJS.Signals = 'SIGTERM';
  private readonly directories: ImageDirectory[] = [];
  private readonly symlinks: ImageSymlink[] = [];
  private readonly layers: ImageLayer[] = [];
  private readonly files: ImageFile[] = [];
  private installedProductionDependencies = false;

  constructor(
    private readonly repository: string,
    private readonly stages: readonly Stage[],
    private readonly run: Stage,
  ) {}

  build(): Image {
    this.from(this.run);
    for (const instruction of this.run.instructions) this.apply(instruction);
    return {
      base: this.run.image,
      config: {
        env: [...this.env.entries()],
        workdir: this.workdir,
        user: this.user,
        entrypoint: this.entrypoint,
        cmd: this.cmd,
        stopSignal: this.stopSignal,
      },
      directories: this.directories,
      symlinks: this.symlinks,
      layers: this.layers,
      files: this.files,
    };
  }

  private from(stage: Stage): void {
    const base = BASE_IMAGES.find((candidate) => candidate.pattern.test(stage.image));
    if (base === undefined) {
      throw new DockerfileError(`line ${stage.line}: the harness knows no base image '${stage.image}' (it knows ${BASE_IMAGES.map((b) => b.pattern.source).join(', ')})`);
    }
    for (const [name, value] of base.config.env) this.env.set(name, value);
    this.workdir = base.config.workdir;
    this.user = base.config.user;
    this.entrypoint = [...base.config.entrypoint];
    this.cmd = [...base.config.cmd];
    this.directories.push(...base.directories);
    for (const hostPath of HOST_SYSTEM_PATHS) {
      if (!existsSync(hostPath)) continue;
      const stat = lstatSync(hostPath);
      if (stat.isSymbolicLink()) this.symlinks.push({ path: hostPath, target: readlinkSync(hostPath) });
      else this.layers.push({ target: hostPath, source: hostPath, kind: 'directory', origin: `line ${stage.line}: FROM ${stage.image}` });
    }
    this.files.push(
      { path: '/etc/passwd', content: mergeAccounts(readFileSync('/etc/passwd', 'utf8'), base.passwd) },
      { path: '/etc/group', content: mergeAccounts(readFileSync('/etc/group', 'utf8'), base.group) },
    );
    this.env.set('NODE_VERSION', this.hostNode(base));
  }

  private apply(instruction: Instruction): void {
    const { keyword, args, line } = instruction;
    switch (keyword) {
      case 'ENV':
        for (const [name, value] of envPairs(args, this.env, line)) this.env.set(name, value);
        return;
      case 'WORKDIR':
        this.workdir = path.posix.resolve(this.workdir, this.single(keyword, args, line));
        this.ensureDirectory(this.workdir, line);
        return;
      case 'USER':
        this.user = this.single(keyword, args, line);
        return;
      case 'ENTRYPOINT':
        this.entrypoint = commandForm(args, line);
        // Docker: an ENTRYPOINT resets a CMD inherited from the base image.
        if (this.cmdFromBase) this.cmd = [];
        return;
      case 'CMD':
        this.cmd = commandForm(args, line);
        this.cmdFromBase = false;
        return;
      case 'STOPSIGNAL':
        this.stopSignal = signalName(this.single(keyword, args, line), line);
        return;
      case 'COPY':
        this.copy(args, line);
        return;
      case 'RUN':
        this.runCommand(args, line);
        return;
      case 'EXPOSE':
      case 'LABEL':
        // Metadata only: Kubernetes ignores both when it runs the container.
        return;
      default:
        throw new DockerfileError(`line ${line}: the harness does not know how to reproduce '${keyword} ${args}' in the run stage`);
    }
  }

  private single(keyword: string, args: string, line: number): string {
    const parts = words(args, this.env, line);
    if (parts.length !== 1) throw new DockerfileError(`line ${line}: ${keyword} takes one argument (got '${args}')`);
    return parts[0];
  }

  /** `COPY [--from=build] <src>... <dest>`: every source becomes a read-only bind of a repository path. */
  private copy(args: string, line: number): void {
    const parts = words(args, this.env, line);
    const flags = parts.filter((part) => part.startsWith('--'));
    const operands = parts.filter((part) => !part.startsWith('--'));
    let from: Stage | null = null;
    for (const flag of flags) {
      const match = /^--from=(.+)$/.exec(flag);
      if (match === null) throw new DockerfileError(`line ${line}: COPY ${flag} is not reproducible with read-only binds (only --from is)`);
      from = this.stages.find((stage) => stage.name === match[1]) ?? null;
      if (from === null) throw new DockerfileError(`line ${line}: COPY --from=${match[1]} names no earlier stage`);
    }
    if (operands.length < 2) throw new DockerfileError(`line ${line}: COPY needs a source and a destination (got '${args}')`);
    const destination = operands[operands.length - 1];
    const sources = operands.slice(0, -1);
    const resolvedDestination = path.posix.resolve(this.workdir, destination);
    const intoDirectory = destination.endsWith('/') || sources.length > 1;
    for (const source of sources) {
      if (/[*?[]/.test(source)) throw new DockerfileError(`line ${line}: COPY with a wildcard ('${source}') is not supported; list the files`);
      const hostPath = from === null ? this.contextFile(source, line) : this.stageOutput(from, source, line);
      const target = intoDirectory ? path.posix.join(resolvedDestination, path.posix.basename(source)) : resolvedDestination;
      this.ensureDirectory(path.posix.dirname(target), line);
      const kind = statSync(hostPath).isDirectory() ? 'directory' : 'file';
      this.layers.push({ target, source: hostPath, kind, origin: `line ${line}: COPY ${args}` });
    }
  }

  /** A file of the build context. Directories are refused: .dockerignore would filter them and a bind would not. */
  private contextFile(source: string, line: number): string {
    const hostPath = path.resolve(this.repository, source);
    if (!hostPath.startsWith(this.repository)) throw new DockerfileError(`line ${line}: COPY source '${source}' is outside the build context`);
    if (!existsSync(hostPath)) throw new DockerfileError(`line ${line}: COPY source '${source}' does not exist in ${this.repository}`);
    if (statSync(hostPath).isDirectory()) {
      throw new DockerfileError(`line ${line}: COPY of the context directory '${source}' is not reproducible (.dockerignore filters it, a bind would not)`);
    }
    return hostPath;
  }

  /**
   * A path another stage produced. The harness understands one kind of build stage: the context
   * copied to its WORKDIR (`COPY . .`) and compiled in place by `npx tsc` (outDir `build/`), so a
   * path under that WORKDIR is the repository's file, and `build/` is the repository's compiled
   * output (run `npx tsc -p tsconfig.json` first; it also holds the compiled tests, which
   * .dockerignore keeps out of the real image).
   */
  private stageOutput(stage: Stage, source: string, line: number): string {
    const workdir = stage.instructions.filter((i) => i.keyword === 'WORKDIR').map((i) => i.args.trim()).pop();
    const copiesContext = stage.instructions.some((i) => i.keyword === 'COPY' && words(i.args, new Map(), i.line).join(' ') === '. .');
    const compiles = stage.instructions.some((i) => i.keyword === 'RUN' && /^npx tsc -p tsconfig\.json$/.test(i.args.trim()));
    if (workdir === undefined || !copiesContext || !compiles) {
      throw new DockerfileError(`line ${line}: COPY --from=${stage.name}: the harness only understands a build stage that does 'WORKDIR', 'COPY . .' and 'RUN npx tsc -p tsconfig.json'`);
    }
    const absolute = path.posix.resolve(workdir, source);
    if (!absolute.startsWith(`${workdir}/`)) throw new DockerfileError(`line ${line}: COPY --from=${stage.name} ${source} is outside the build stage's WORKDIR ${workdir}`);
    const hostPath = path.join(this.repository, path.posix.relative(workdir, absolute));
    if (!existsSync(hostPath)) {
      throw new DockerfileError(`line ${line}: COPY --from=${stage.name} ${source}: ${hostPath} does not exist (run 'npx tsc -p tsconfig.json' first)`);
    }
    return hostPath;
  }

  /** RUN: only commands whose effect the harness can stand in for; anything else fails. */
  private runCommand(args: string, line: number): void {
    for (const command of args.split('&&').map((part) => part.trim())) {
      const argv = command.split(/\s+/);
      if (command === 'apt-get update' || command === 'rm -rf /var/lib/apt/lists/*' || command === 'npm cache clean --force') continue;
      if (argv[0] === 'apt-get' && argv[1] === 'install') {
        for (const pkg of argv.slice(2).filter((word) => !word.startsWith('-'))) requireHostPackage(pkg, line);
        continue;
      }
      if (argv[0] === 'npm' && argv[1] === 'ci') {
        this.installDependencies(line);
        continue;
      }
      throw new DockerfileError(`line ${line}: the harness does not know how to reproduce 'RUN ${command}'`);
    }
  }

  /**
   * `npm ci --omit=dev` stands for the repository's node_modules, which holds the dev
   * dependencies too: code that imports a dev dependency at run time passes here and would fail
   * in the real image.
   */
  private installDependencies(line: number): void {
    const lock = path.posix.join(this.workdir, 'package-lock.json');
    if (!this.layers.some((layer) => layer.target === lock)) throw new DockerfileError(`line ${line}: 'npm ci' before package-lock.json was copied to ${this.workdir}`);
    if (this.installedProductionDependencies) throw new DockerfileError(`line ${line}: a second 'npm ci'`);
    const source = path.join(this.repository, 'node_modules');
    if (!existsSync(source)) throw new DockerfileError(`line ${line}: ${source} does not exist (run 'npm ci' first)`);
    this.layers.push({ target: path.posix.join(this.workdir, 'node_modules'), source, kind: 'directory', origin: `line ${line}: RUN npm ci` });
    this.installedProductionDependencies = true;
  }

  /** WORKDIR and COPY create missing parents (root, 0755); inside a layer they go to its writable upper layer. */
  private ensureDirectory(directory: string, line: number): void {
    if (directory === '/') return;
    const bound = this.layers.findLast((layer) => layer.kind === 'directory' && (directory === layer.target || directory.startsWith(`${layer.target}/`)));
    if (bound !== undefined && existsSync(path.join(bound.source, path.posix.relative(bound.target, directory)))) return;
    this.ensureDirectory(path.posix.dirname(directory), line);
    if (!this.directories.some((existing) => existing.path === directory)) this.directories.push({ path: directory, mode: 0o755, uid: 0, gid: 0 });
  }

  /** The node that the image's PATH finds on the host; its major version must be the base image's. */
  private hostNode(base: BaseImage): string {
    const found = spawnSync('node', ['--version'], { env: { PATH: this.env.get('PATH') ?? '' }, encoding: 'utf8' });
    const version = found.stdout.trim().replace(/^v/, '');
    if (found.status !== 0 || version.split('.')[0] !== base.nodeMajor) {
      throw new DockerfileError(`the base image runs Node ${base.nodeMajor}, but the node on the image's PATH here is '${version || 'missing'}'`);
    }
    return version;
  }
}

/** Host accounts with the base image's ones replacing any that share a name or id. */
function mergeAccounts(host: string, image: readonly string[]): string {
  const taken = new Set(image.flatMap((entry) => [`name:${entry.split(':')[0]}`, `id:${entry.split(':')[2]}`]));
  const kept = host.split('\n').filter((entry) => entry !== '' && !taken.has(`name:${entry.split(':')[0]}`) && !taken.has(`id:${entry.split(':')[2]}`));
  return `${[...kept, ...image].join('\n')}\n`;
}

/** The base image provides it only if the host (Debian too) has the package installed. */
function requireHostPackage(pkg: string, line: number): void {
  const status = spawnSync('dpkg-query', ['-W', '-f=${Status}', pkg], { encoding: 'utf8' });
  if (status.status !== 0 || !status.stdout.includes('install ok installed')) {
    throw new DockerfileError(`line ${line}: the image installs '${pkg}', which this host lacks (apt-get install -y ${pkg})`);
  }
}

function signalName(value: string, line: number): NodeJS.Signals {
  const name = value.toUpperCase().replace(/^(?!SIG)/, 'SIG');
  const known = Object.keys(constants.signals).find((signal): signal is NodeJS.Signals => signal === name);
  if (known === undefined) throw new DockerfileError(`line ${line}: STOPSIGNAL '${value}' is not a signal name the harness knows`);
  return known;
}
