/**
 * nftables blocklist export: a script for `nft -f` that declares interval sets of IPv4 and IPv6
 * addresses and prefixes, empties them and fills them, all in one atomic transaction, so loading a
 * new generation over the previous one never leaves the firewall with a half-filled set.
 *
 * Interval sets refuse overlapping elements ("conflicting intervals specified"), which real feeds
 * always contain (an address inside a listed CIDR, the same /24 twice, nested prefixes). So this
 * generator does not stream its input: it collects every address range, sorts them and merges
 * overlapping and adjacent ranges, then writes each merged range as an address, a CIDR prefix or a
 * `first-last` range. Memory is O(addresses), about 100 bytes each; a firewall set holds far fewer
 * entries than a resolver zone. The output is still yielded in chunks.
 *
 * The optional drop chains (off by default: a regulator's list should not start dropping traffic
 * on an operator's firewall by surprise) hook input/forward/output at priority -10, just before a
 * typical `filter` chain, count and drop packets from (input, forward) and to (output, forward)
 * listed addresses. Operators who want their own rules leave them off and reference the sets,
 * e.g. `ip saddr @blocklist_v4 drop` in a chain of this table.
 */
import { validationFailed } from '../../../lib/problem.js';
import {
  ChunkWriter,
  type CommonExportOptions,
  type ExportGenerator,
  type RowSource,
  countSkipped,
  describeSkipped,
  isExpired,
  newExportStats,
  rowBatches,
  sanitizeComment,
} from './export-stream.js';
import {
  exactPrefixIPv4,
  exactPrefixIPv6,
  formatIPv4,
  formatIPv6,
  lastIPv4,
  lastIPv6,
  parseIPPrefix,
} from './ip-encoding.js';

export type NftFamily = 'inet' | 'ip' | 'ip6';
export type NftHook = 'input' | 'forward' | 'output';

export interface NftablesOptions extends CommonExportOptions {
  /** Table family. `inet` holds both sets; `ip` only the IPv4 set, `ip6` only the IPv6 set. */
  family?: NftFamily;
  /** Table name. Default `threatshare`. */
  table?: string;
  /** Set names. Defaults `blocklist_v4` and `blocklist_v6`. */
  set_v4?: string;
  set_v6?: string;
  /**
   * Add chains that drop matching traffic. false (default): sets only. true: input, forward and
   * output hooks. Or name the hooks.
   */
  drop_chains?: boolean | { hooks: NftHook[] };
  /** Elements per `add element` statement. Default 4096: keeps each statement small for the parser. */
  elements_per_statement?: number;
}

const NFT_IDENTIFIER = /^[A-Za-z][A-Za-z0-9_]{0,62}$/;

function identifier(value: string, field: string): string {
  if (!NFT_IDENTIFIER.test(value)) {
    throw validationFailed(field, 'An nftables name is a letter followed by up to 62 letters, digits or underscores');
  }
  return value;
}

/** Sorts [first, last] ranges and merges overlapping or adjacent ones; returns the merged ranges. */
function mergeRanges<T extends number | bigint>(ranges: Array<[T, T]>, successor: (value: T) => T): Array<[T, T]> {
  ranges.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const merged: Array<[T, T]> = [];
  for (const range of ranges) {
    const last = merged[merged.length - 1];
    // Adjacent ranges merge too: 10.0.0.0/25 and 10.0.0.128/25 become one 10.0.0.0/24 element.
    if (last !== undefined && range[0] <= successor(last[1])) {
      if (range[1] > last[1]) last[1] = range[1];
    } else {
      merged.push([range[0], range[1]]);
    }
  }
  return merged;
}

function formatRangeV4([first, last]: [number, number]): string {
  if (first === last) return formatIPv4(first);
  const prefix = exactPrefixIPv4(first, last);
  return prefix !== undefined ? `${formatIPv4(first)}/${prefix}` : `${formatIPv4(first)}-${formatIPv4(last)}`;
}

function formatRangeV6([first, last]: [bigint, bigint]): string {
  if (first === last) return formatIPv6(first);
  const prefix = exactPrefixIPv6(first, last);
  return prefix !== undefined ? `${formatIPv6(first)}/${prefix}` : `${formatIPv6(first)}-${formatIPv6(last)}`;
}

/**
 * Streams an nftables script for the ipv4, ipv6 and cidr rows (other types count as
 * unsupported_type). Load it with `nft -f FILE`; check it first with `nft -c -f FILE`.
 */
export async function* nftablesSets(rows: RowSource, options: NftablesOptions = {}): ExportGenerator {
  const generatedAt = options.generated_at ?? new Date();
  const family = options.family ?? 'inet';
  if (family !== 'inet' && family !== 'ip' && family !== 'ip6') {
    throw validationFailed('/family', 'The table family is inet, ip or ip6');
  }
  const table = identifier(options.table ?? 'threatshare', '/table');
  const setV4 = identifier(options.set_v4 ?? 'blocklist_v4', '/set_v4');
  const setV6 = identifier(options.set_v6 ?? 'blocklist_v6', '/set_v6');
  if (setV4 === setV6) throw validationFailed('/set_v6', 'The IPv4 and IPv6 sets need different names');
  const perStatement = options.elements_per_statement ?? 4096;
  if (!Number.isInteger(perStatement) || perStatement < 1) {
    throw validationFailed('/elements_per_statement', 'A positive integer');
  }
  const hooks: NftHook[] =
    options.drop_chains === true
      ? ['input', 'forward', 'output']
      : options.drop_chains
        ? [...new Set(options.drop_chains.hooks)]
        : [];
  for (const hook of hooks) {
    if (hook !== 'input' && hook !== 'forward' && hook !== 'output') {
      throw validationFailed('/drop_chains/hooks', 'Hooks are input, forward or output');
    }
  }
  const includeExpired = options.include_expired ?? false;
  const hasV4 = family !== 'ip6';
  const hasV6 = family !== 'ip';

  const stats = newExportStats();
  const v4: Array<[number, number]> = [];
  const v6: Array<[bigint, bigint]> = [];
  for await (const batch of rowBatches(rows)) {
    for (const row of batch) {
      stats.rows++;
      if (!includeExpired && isExpired(row, generatedAt)) {
        stats.skipped.expired++;
        continue;
      }
      if (row.type !== 'ipv4' && row.type !== 'ipv6' && row.type !== 'cidr') {
        stats.skipped.unsupported_type++;
        continue;
      }
      const prefix = parseIPPrefix(row.type, row.value);
      if (prefix === undefined) {
        stats.skipped.invalid++;
      } else if (prefix.family === 4) {
        if (hasV4) v4.push([prefix.network, lastIPv4(prefix)]);
        else stats.skipped.unsupported_type++;
      } else if (hasV6) {
        v6.push([prefix.network, lastIPv6(prefix)]);
      } else {
        stats.skipped.unsupported_type++;
      }
    }
  }
  const mergedV4 = mergeRanges(v4, (v) => v + 1);
  const mergedV6 = mergeRanges(v6, (v) => v + 1n);
  stats.merged = v4.length - mergedV4.length + (v6.length - mergedV6.length);
  stats.emitted = mergedV4.length + mergedV6.length;

  const source = sanitizeComment(options.source ?? 'threatshare');
  const sets: string[] = [];
  if (hasV4) sets.push(`\tset ${setV4} {\n\t\ttype ipv4_addr\n\t\tflags interval\n\t}`);
  if (hasV6) sets.push(`\tset ${setV6} {\n\t\ttype ipv6_addr\n\t\tflags interval\n\t}`);
  const chains = hooks.map(
    (hook) => `\tchain ${hook}_blocklist {\n\t\ttype filter hook ${hook} priority -10; policy accept;\n\t}`,
  );
  const head = [
    '#!/usr/sbin/nft -f',
    '# threatshare nftables blocklist',
    `# source: ${source}`,
    `# generated: ${generatedAt.toISOString()}`,
    `# elements: ${stats.emitted} (${mergedV4.length} IPv4, ${mergedV6.length} IPv6) from ${stats.rows} rows;` +
      ` ${stats.merged} merged into overlapping or adjacent ranges; skipped ${countSkipped(stats)}: ${describeSkipped(stats)}`,
    '# load: nft -f FILE (one atomic transaction; reloading replaces the set contents)',
    '',
    // Declaring an existing table, set or chain with the same definition is a no-op, so this file
    // both creates everything on first load and refreshes it later.
    `table ${family} ${table} {`,
    [...sets, ...chains].join('\n\n'),
    '}',
    '',
    ...(hasV4 ? [`flush set ${family} ${table} ${setV4}`] : []),
    ...(hasV6 ? [`flush set ${family} ${table} ${setV6}`] : []),
    '',
  ].join('\n');
  yield `${head}\n`;

  const writer = new ChunkWriter();
  function* elementStatements<T>(set: string, ranges: T[], format: (r: T) => string): Generator<string> {
    for (let i = 0; i < ranges.length; i += perStatement) {
      const end = Math.min(i + perStatement, ranges.length);
      let statement = `add element ${family} ${table} ${set} {`;
      for (let j = i; j < end; j++) statement += `${j === i ? ' ' : ', '}${format(ranges[j])}`;
      const chunk = writer.write(`${statement} }\n`);
      if (chunk !== undefined) yield chunk;
    }
  }
  yield* elementStatements(setV4, mergedV4, formatRangeV4);
  yield* elementStatements(setV6, mergedV6, formatRangeV6);

  if (hooks.length > 0) {
    // Flushing first keeps a reload from appending the same rules a second time.
    let rules = '\n';
    for (const hook of hooks) {
      const chain = `${family} ${table} ${hook}_blocklist`;
      rules += `flush chain ${chain}\n`;
      const directions = hook === 'input' ? ['saddr'] : hook === 'output' ? ['daddr'] : ['saddr', 'daddr'];
      for (const direction of directions) {
        if (hasV4) rules += `add rule ${chain} ip ${direction} @${setV4} counter drop\n`;
        if (hasV6) rules += `add rule ${chain} ip6 ${direction} @${setV6} counter drop\n`;
      }
    }
    const chunk = writer.write(rules);
    if (chunk !== undefined) yield chunk;
  }
  const rest = writer.flush();
  if (rest !== undefined) yield rest;
  return stats;
}
