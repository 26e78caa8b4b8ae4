/**
 * Test support: runs the real loaders (named-checkzone, named, dig, nft) on generated exports.
 * Each tool is looked up first so a test can skip with a message naming what is missing; CI
 * installs them (apt packages: bind9 bind9-utils bind9-dnsutils nftables iproute2).
 *
 * Anything that could open a socket runs inside a fresh network namespace (`unshare -n`) with
 * only loopback up, so a misconfigured resolver cannot send a packet off this machine.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixtureDataPath, readFixtureData } from '../../../../test/fixtures/paths.js';

const PATH = `${process.env.PATH ?? ''}:/usr/local/sbin:/usr/sbin:/sbin`;

export interface ToolResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function runTool(command: string, args: string[], input?: string): ToolResult {
  const result = spawnSync(command, args, {
    encoding: 'utf8',
    env: { ...process.env, PATH },
    input,
    timeout: 60_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  return { status: result.status, stdout: result.stdout ?? '', stderr: result.stderr ?? `${result.error ?? ''}` };
}

export function hasCommand(name: string): boolean {
  return runTool('sh', ['-c', `command -v ${name}`]).status === 0;
}

/** A message naming the missing tools, or undefined when all are installed. */
export function missingTools(...names: string[]): string | undefined {
  const missing = names.filter((n) => !hasCommand(n));
  return missing.length === 0
    ? undefined
    : `needs ${missing.join(', ')} (apt-get install -y bind9 bind9-utils bind9-dnsutils nftables iproute2)`;
}

/** A temporary directory removed after `use` returns. */
export function withTempDir<T>(use: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'threatshare-export-'));
  try {
    return use(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function writeTemp(dir: string, name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** Whether `unshare -n` can create a network namespace with loopback up (needs root or userns). */
export function canIsolateNetwork(): boolean {
  return hasCommand('unshare') && hasCommand('ip') && runTool('unshare', ['-n', 'sh', '-c', 'ip link set lo up']).status === 0;
}

export type NftCheck = { ok: true; output: string } | { ok: false; output: string } | { skip: string };

/**
 * `nft -c -f FILE`: parses the file and has the kernel validate the transaction without
 * committing it. In a fresh network namespace when possible, so the host's ruleset neither
 * influences nor sees the check. Skips when netlink is refused (no CAP_NET_ADMIN).
 */
export function nftCheck(file: string): NftCheck {
  const missing = missingTools('nft');
  if (missing !== undefined) return { skip: missing };
  const result = canIsolateNetwork() ? runTool('unshare', ['-n', 'nft', '-c', '-f', file]) : runTool('nft', ['-c', '-f', file]);
  const output = `${result.stdout}${result.stderr}`;
  if (result.status !== 0 && /Operation not permitted|Permission denied|cache initialization failed|Protocol not supported/i.test(output)) {
    return { skip: `nft -c cannot talk to netfilter over netlink here (needs CAP_NET_ADMIN): ${output.trim().slice(0, 200)}` };
  }
  return result.status === 0 ? { ok: true, output } : { ok: false, output };
}

/**
 * Loads the file for real, twice (a reload), in a private network namespace and lists the table,
 * proving the script is idempotent. Undefined when no namespace can be made (never touches the host).
 */
export function nftLoadTwiceIsolated(file: string, family: string, table: string): ToolResult | undefined {
  if (!canIsolateNetwork() || !hasCommand('nft')) return undefined;
  return runTool('unshare', ['-n', 'sh', '-c', `nft -f "$1" && nft -f "$1" && nft list table ${family} ${table}`, 'sh', file]);
}

/** A real data file vendored in test/fixtures/data (sources and licences in its README). */
export function readRealData(name: string): { text: string; path: string } {
  return { text: readFixtureData(name), path: fixtureDataPath(name) };
}

/** The non-comment, non-empty lines of a list file. */
export function listValues(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.length > 0 && !line.startsWith('#'));
}
