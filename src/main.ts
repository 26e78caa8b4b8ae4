/**
 * The `threatshare` command line. Each command lives in cli/; this file only declares them.
 */
import fs from 'node:fs';
import { Command, Option } from 'commander';
import cliProgress from 'cli-progress';
import { call, clientOptions, printResult } from './cli/client.js';
import { importFile } from './cli/import.js';
import { serve } from './cli/serve.js';
import { loadConfig } from './config.js';
import { createContainer } from './container.js';
import { openDatabase } from './db/database.js';
import { migrate } from './db/migrate.js';
import { seedDemo } from './demo/seed.js';
import { CATEGORY_CODES } from './modules/reports/taxonomy.js';
import path from 'node:path';

const program = new Command();
program.name('threatshare').description('Cyber security threat information sharing and handling platform').showHelpAfterError();

program
  .command('serve')
  .description('run the HTTP server (API, OpenAPI docs at /docs)')
  .option('--demo', 'seed demo data into an empty database first (same as THREATSHARE_DEMO=1)')
  .action(async (o: { demo?: boolean }) => {
    const config = loadConfig();
    if (o.demo) config.demo = true;
    await serve(config);
  });

program
  .command('migrate')
  .description('apply the SQL migrations that have not run yet')
  .action(async () => {
    const config = loadConfig();
    const handle = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.databaseUrl ? null : path.join(config.dataDir, 'pglite') });
    const applied = await migrate(handle);
    console.log(applied.length ? `applied: ${applied.join(', ')}` : 'the database is up to date');
    await handle.close();
  });

program
  .command('demo')
  .description('seed the demo organizations, users and tokens into an empty database')
  .action(async () => {
    const config = loadConfig();
    const c = await createContainer(config, { loadIndex: false });
    const bar = new cliProgress.SingleBar({ format: ' {bar} {value}/{total} organizations', stream: process.stderr }, cliProgress.Presets.shades_classic);
    bar.start(1, 0);
    try {
      const { file, credentials } = await seedDemo(c, { onProgress: (d, t) => (bar.setTotal(t), bar.update(d)) });
      bar.stop();
      console.log(`${credentials.length} organizations; credentials in ${file}`);
    } finally {
      await c.close();
    }
  });

const clientOpts = (cmd: Command) =>
  cmd
    .option('--url <url>', 'server URL (THREATSHARE_URL)', undefined)
    .option('--token <token>', 'API token (THREATSHARE_TOKEN)', undefined);

clientOpts(
  program
    .command('submit')
    .description('submit one report (a JSON file in the format of POST /api/v1/reports)')
    .argument('<file>', 'report JSON, or - for standard input')
    .option('--idempotency-key <key>', 'a retry with the same key stores nothing twice'),
).action(async (file: string, o: { url?: string; token?: string; idempotencyKey?: string }) => {
  const body = JSON.parse(fs.readFileSync(file === '-' ? 0 : file, 'utf8'));
  printResult(await call(clientOptions(o), 'POST', '/api/v1/reports', body, o.idempotencyKey ? { 'idempotency-key': o.idempotencyKey } : {}));
});

clientOpts(
  program
    .command('import')
    .description('bulk intake of a CSV, NDJSON or plain list file (.gz accepted), or a STIX 2.1 bundle (.json)')
    .argument('<file>')
    .addOption(new Option('--category <category>', 'Article 2 category (required except for STIX)').choices(CATEGORY_CODES))
    .option('--subtype <subtype>', 'Article 2 sub-type (required except for STIX)')
    .addOption(new Option('--format <format>', 'default: from the file name; a .json STIX bundle is detected').choices(['csv', 'ndjson', 'lines', 'stix']))
    .addOption(new Option('--tlp <tlp>').choices(['clear', 'green', 'amber', 'amber+strict', 'red']))
    .option('--type <type>', 'observable type of every line (default: detected per line)')
    .option('--valid-days <n>', 'indicators expire after n days unless seen again')
    .option('--title <title>')
    .option('--idempotency-key <key>')
    .option('--direct', 'write to the database directly instead of through a running server'),
).action(async (file: string, o: any) => importFile(loadConfig(), file, o));

clientOpts(
  program
    .command('lookup')
    .description('is this value a known threat? (one or more values)')
    .argument('<values...>'),
).action(async (values: string[], o: { url?: string; token?: string }) => {
  const client = clientOptions(o);
  if (values.length === 1) printResult(await call(client, 'GET', `/api/v1/indicators/lookup?value=${encodeURIComponent(values[0])}`));
  else printResult(await call(client, 'POST', '/api/v1/indicators/lookup', { values }));
});

clientOpts(
  program
    .command('export')
    .description('download a blocklist or export (rpz, nftables, plain-ip, plain-cidr, plain-domain, plain-url, plain-hash, hosts, csv, ndjson) only when it changed')
    .argument('<format>')
    .option('--out <file>', 'write here (atomically) instead of standard output; its ETag is kept in <file>.etag')
    .option('--etag-file <file>', 'where to keep the ETag for If-None-Match')
    .option('--include-subdomains', 'RPZ: also block every name below each domain')
    .option('--public', 'the public TLP:CLEAR feed, no token'),
).action(async (format: string, o: { url?: string; token?: string; out?: string; etagFile?: string; includeSubdomains?: boolean; public?: boolean }) => {
  const { downloadExport } = await import('./modules/sharing/export-download.js');
  const client = o.public ? { url: (o.url ?? process.env.THREATSHARE_URL ?? 'http://127.0.0.1:8080').replace(/\/$/, ''), token: '' } : clientOptions(o);
  const r = await downloadExport(client, format, o);
  if (o.out) console.error(r.status === 'unchanged' ? `${o.out}: unchanged` : `${o.out}: ${r.bytes} bytes`);
});

const audit = program.command('audit').description('the hash-chained audit log');
audit
  .command('verify')
  .description('re-compute the chain of the whole log from the database and check it against the last signed checkpoint (stop a PGlite server first)')
  .option('--checkpoint <file>', 'a checkpoint kept elsewhere (a saved /.well-known/threatshare-audit-checkpoint.json); default $DATA_DIR/audit-checkpoint.json')
  .action(async (o: { checkpoint?: string }) => {
    const config = loadConfig();
    const c = await createContainer(config, { loadIndex: false });
    const anchor = await c.checkpoints.anchor(o.checkpoint);
    if (!anchor.checkpoint) console.error('threatshare: no audit checkpoint yet: only the chain in the database is checked');
    const bar = new cliProgress.SingleBar({ format: ' {bar} {value}/{total} entries', stream: process.stderr }, cliProgress.Presets.shades_classic);
    bar.start(1, 0);
    const r = await c.audit.verify((d, t) => (bar.setTotal(t), bar.update(d)), anchor);
    bar.stop();
    await c.close();
    console.log(JSON.stringify(r, null, 2));
    if (!r.ok) process.exitCode = 1;
  });

const notice = program.command('notice').description('signed handling notices');
notice
  .command('verify')
  .description('check a signed notice (JSON, or a saved printable page) against the platform keys, offline; exit 0 valid, 1 not')
  .argument('<file>')
  .option('--keys <url|file>', 'a saved /.well-known/threatshare-keys.json, or the platform URL (default: THREATSHARE_URL)')
  .action(async (file: string, o: { keys?: string }) => {
    const { verifyNoticeFile } = await import('./cli/notice-verify.js');
    process.exitCode = await verifyNoticeFile(file, o);
  });

program.parseAsync(process.argv).catch((err: Error) => {
  console.error(`threatshare: ${err.message}`);
  process.exit(1);
});
