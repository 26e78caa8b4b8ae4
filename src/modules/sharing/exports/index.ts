/**
 * The export formats the platform serves (DESIGN.md §4 Interop, issue 5): for each, the media type,
 * the file extension, the generator, the indicator types it can carry and the command an operator
 * runs to load the file. Routes and the CLI look formats up here and nowhere else.
 */
import { csvExport, ndjsonExport, type CsvOptions, type NdjsonOptions } from './csv-json.js';
import type { ExportGenerator, ExportIndicatorType, RowSource } from './export-stream.js';
import { nftablesSets, type NftablesOptions } from './nftables.js';
import { hostsFile, plainList, type HostsFileOptions, type PlainListOptions } from './plain-list.js';
import { DEFAULT_RPZ_ORIGIN, rpzZone, type RpzOptions } from './rpz.js';

export interface ExportFormat<O> {
  /** Media type for Content-Type. */
  content_type: string;
  /** File extension without the dot. */
  extension: string;
  /** Indicator types the format carries; rows of other types are skipped and counted. */
  accepts: readonly ExportIndicatorType[];
  /** What an operator runs to check and load the file (FILE stands for its path). */
  load_command: string;
  description: string;
  generate: (rows: RowSource, options?: O) => ExportGenerator;
}

type PlainOptions = Omit<PlainListOptions, 'types'>;

function plainFormat(types: readonly ExportIndicatorType[], what: string, loadCommand: string): ExportFormat<PlainOptions> {
  return {
    content_type: 'text/plain; charset=utf-8',
    extension: 'txt',
    accepts: types,
    load_command: loadCommand,
    description: `${what}, one per line, # comments`,
    generate: (rows, options) => plainList(rows, { title: `threatshare ${what}`, ...options, types }),
  };
}

const RPZ_ZONE = DEFAULT_RPZ_ORIGIN.slice(0, -1);

export const EXPORT_FORMATS = {
  rpz: {
    // RFC 4027 registers text/dns for master files.
    content_type: 'text/dns',
    extension: 'rpz',
    accepts: ['domain', 'ipv4', 'ipv6', 'cidr'],
    load_command:
      `named-checkzone ${RPZ_ZONE} FILE && rndc reload ${RPZ_ZONE}` +
      ` (BIND: zone "${RPZ_ZONE}" { type primary; file "FILE"; }; options { response-policy { zone "${RPZ_ZONE}"; }; };` +
      ` Unbound: rpz: name: "${RPZ_ZONE}" zonefile: "FILE", then unbound-control auth_zone_reload ${RPZ_ZONE})`,
    description: 'DNS response policy zone: blocked domains answer NXDOMAIN (IP triggers optional)',
    generate: rpzZone,
  } satisfies ExportFormat<RpzOptions>,
  nftables: {
    content_type: 'text/plain; charset=utf-8',
    extension: 'nft',
    accepts: ['ipv4', 'ipv6', 'cidr'],
    load_command: 'nft -c -f FILE && nft -f FILE',
    description: 'nftables interval sets blocklist_v4 / blocklist_v6 in table inet threatshare (drop chains optional)',
    generate: nftablesSets,
  } satisfies ExportFormat<NftablesOptions>,
  'plain-ip': plainFormat(
    ['ipv4', 'ipv6'],
    'IP addresses',
    "grep -v '^#' FILE | sed 's/^/add threatshare /' | ipset restore -exist (after ipset create threatshare hash:ip)",
  ),
  'plain-cidr': plainFormat(
    ['cidr'],
    'CIDR blocks',
    "grep -v '^#' FILE | sed 's/^/add threatshare_net /' | ipset restore -exist (after ipset create threatshare_net hash:net)",
  ),
  'plain-domain': plainFormat(['domain'], 'domains', 'add FILE as a domain blocklist (Pi-hole, AdGuard Home, Squid dstdomain)'),
  'plain-url': plainFormat(['url'], 'URLs', 'add FILE as a URL blocklist (Squid url_regex -i "FILE" after escaping, proxy URL filter)'),
  'plain-hash': plainFormat(['file_hash'], 'file hashes', 'import FILE as a hash blocklist in the antivirus / EDR console'),
  hosts: {
    content_type: 'text/plain; charset=utf-8',
    extension: 'hosts',
    accepts: ['domain'],
    load_command: 'cat FILE >> /etc/hosts (or addn-hosts=FILE in dnsmasq, then systemctl reload dnsmasq)',
    description: 'hosts(5) file mapping each domain to 0.0.0.0',
    generate: hostsFile,
  } satisfies ExportFormat<HostsFileOptions>,
  csv: {
    content_type: 'text/csv; charset=utf-8; header=present',
    extension: 'csv',
    accepts: ['ipv4', 'ipv6', 'cidr', 'domain', 'url', 'file_hash'],
    load_command: 'import FILE into a spreadsheet or SIEM (RFC 4180, header row, CRLF)',
    description: 'CSV with context columns, formula-injection safe',
    generate: csvExport,
  } satisfies ExportFormat<CsvOptions>,
  ndjson: {
    content_type: 'application/x-ndjson',
    extension: 'ndjson',
    accepts: ['ipv4', 'ipv6', 'cidr', 'domain', 'url', 'file_hash'],
    load_command: "jq -c . FILE (one JSON object per line)",
    description: 'newline-delimited JSON with every field of each indicator',
    generate: ndjsonExport,
  } satisfies ExportFormat<NdjsonOptions>,
} as const;

export type ExportFormatName = keyof typeof EXPORT_FORMATS;

export const EXPORT_FORMAT_NAMES = Object.keys(EXPORT_FORMATS) as ExportFormatName[];

export function isExportFormatName(name: string): name is ExportFormatName {
  return Object.hasOwn(EXPORT_FORMATS, name);
}

export { collectExport, CHUNK_SIZE, RowBatches } from './export-stream.js';
export type { ExportRow, ExportStats, ExportGenerator, RowSource, ExportIndicatorType, SkipReason } from './export-stream.js';
export { rpzZone, zoneSerialFromTime, nextZoneSerial, compareZoneSerials, DEFAULT_RPZ_ORIGIN } from './rpz.js';
export type { RpzOptions, RpzAction, RpzSoa } from './rpz.js';
export { nftablesSets } from './nftables.js';
export type { NftablesOptions } from './nftables.js';
export { plainList, hostsFile } from './plain-list.js';
export type { PlainListOptions, HostsFileOptions } from './plain-list.js';
export { csvExport, ndjsonExport } from './csv-json.js';
export type { CsvOptions, NdjsonOptions } from './csv-json.js';
