/**
 * A PGlite data directory is one process's (issue 13, item 8): every command that opens one a
 * second time says which process has it, instead of dying inside the WASM build with `Aborted()`.
 * Real processes of the `threatshare` command.
 */
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { DataDirInUseError, openDatabase, type DatabaseHandle } from './database.js';

const run = promisify(execFile);
const bin = path.resolve(import.meta.dirname, '../../bin/threatshare.js');

describe('a PGlite data directory in use', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'threatshare-lock-'));
  const pgDir = path.join(dataDir, 'pglite');
  let handle: DatabaseHandle;
  const env = { ...process.env, DATA_DIR: dataDir, DATABASE_URL: '', THREATSHARE_KEY_SECRET: 'lock-test-secret' };

  before(async () => {
    handle = await openDatabase({ dataDir: pgDir });
  });
  after(async () => {
    await handle?.close().catch(() => undefined);
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  for (const args of [['migrate'], ['audit', 'verify'], ['serve']]) {
    test(`\`threatshare ${args.join(' ')}\` beside it stops with "in use by process N"`, async () => {
      const r = await run(process.execPath, [bin, ...args], { env: { ...env, PORT: '0' } }).then(
        () => ({ code: 0, stderr: '' }),
        (e: { code: number; stderr: string }) => e,
      );
      assert.equal(r.code, 1);
      assert.match(r.stderr, new RegExp(`in use by process ${process.pid}\\b`));
      assert.doesNotMatch(r.stderr, /Aborted/);
    });
  }

  test('a second open in the same process is refused too; the first goes on working', async () => {
    await assert.rejects(openDatabase({ dataDir: pgDir }), (e: unknown) => e instanceof DataDirInUseError && e.pid === process.pid);
    const r = await handle.db.selectNoFrom((eb) => eb.val(1).as('one')).executeTakeFirstOrThrow();
    assert.equal(Number(r.one), 1);
  });

  test('closing frees it; a lock left by a process that is gone is taken over', async () => {
    await handle.close();
    assert.equal(fs.existsSync(`${pgDir}.lock`), false);
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
    fs.writeFileSync(`${pgDir}.lock`, `${gone}\n`);
    handle = await openDatabase({ dataDir: pgDir });
    assert.equal(fs.readFileSync(`${pgDir}.lock`, 'utf8').trim(), String(process.pid));
  });
});
