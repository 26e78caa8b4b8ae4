import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { TEST_DATABASE_URL, dbLabel } from '../../test/helpers/harness.js';
import { compileCopySelect, copyTextBlocks, decodeCopyField, parseCopyColumns } from './copy-out.js';
import { openDatabase, type DatabaseHandle } from './database.js';

async function* chunksOf(bytes: Buffer, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield new Uint8Array(bytes.subarray(i, i + size));
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

describe('COPY text decoding', () => {
  test('undoes every escape of the text format, and \\N is NULL', () => {
    const cases: [string, string | null][] = [
      ['plain', 'plain'],
      ['\\N', null],
      ['a\\\\b', 'a\\b'],
      ['tab\\there', 'tab\there'],
      ['line\\nbreak\\rreturn', 'line\nbreak\rreturn'],
      ['\\b\\f\\v', '\b\f\v'],
      ['octal \\101\\60x', 'octal A0x'],
      ['hex \\x41\\x4a\\x7', 'hex AJ\x07'],
      // Octal escapes are bytes: three of them make one UTF-8 character.
      ['\\344\\270\\255文', '中文'],
      ['\\x not hex', 'x not hex'],
      ['other \\q \\N inside', 'other q N inside'],
      ['trailing \\', 'trailing \\'],
      ['', ''],
    ];
    for (const [raw, want] of cases) assert.equal(decodeCopyField(raw), want, JSON.stringify(raw));
  });

  test('splits lines into columns, decoding fields only where a backslash appears', () => {
    assert.deepEqual(parseCopyColumns('1\ta.example\n2\tb\\tc\n3\t\\N\n', 2), [
      ['1', '2', '3'],
      ['a.example', 'b\tc', null],
    ]);
    assert.deepEqual(parseCopyColumns('x\n\ny\n', 1), [['x', '', 'y']]);
    assert.deepEqual(parseCopyColumns('', 2), [[], []]);
  });

  test('refuses a row with a different number of fields', () => {
    assert.throws(() => parseCopyColumns('1\ta\n2\n', 2), /fewer than 2/);
    assert.throws(() => parseCopyColumns('1\ta\tb\n', 2), /more than 2/);
    assert.throws(() => parseCopyColumns('a\tb\n', 1), /more than 1/);
  });

  test('regroups chunks cut anywhere, even inside a character, into whole lines', async () => {
    const text = '1\t中文.example\n2\tb\\\\c\n3\tÿ\n';
    for (const size of [1, 2, 3, 5, 64]) {
      const blocks = await collect(copyTextBlocks(chunksOf(Buffer.from(text, 'utf8'), size)));
      assert.ok(blocks.every((b) => b.endsWith('\n')), `size ${size}`);
      assert.equal(blocks.join(''), text, `size ${size}`);
    }
  });

  test('refuses output that ends inside a row', async () => {
    await assert.rejects(collect(copyTextBlocks(chunksOf(Buffer.from('1\ta\n2\tb'), 4))), /ended inside a row/);
  });
});

describe(`COPY out of the database (${dbLabel})`, () => {
  let handle: DatabaseHandle;
  before(async () => {
    handle = await openDatabase(TEST_DATABASE_URL ? { databaseUrl: TEST_DATABASE_URL, poolSize: 1 } : { dataDir: null });
  });
  after(() => handle.close());

  const awkward = ['plain.example', 'tab\there', 'new\nline', 'carriage\rreturn', 'back\\slash', '\\N', '中文 ünïcödé', '\x01\x7f', ''];

  test('gives back every value as an ordinary query does, escapes and NULL included', async () => {
    const values = sql.join([...awkward, null].map((v, i) => sql`(${sql.lit(i)}, ${v === null ? sql`NULL::text` : sql.lit(v)})`));
    const query = sql`SELECT n, v FROM (VALUES ${values}) AS t(n, v) ORDER BY n`;
    const expected = (await query.execute(handle.db)).rows as { n: number; v: string | null }[];
    const blocks = await collect(copyTextBlocks(handle.copyOut(compileCopySelect(query, handle.db))));
    const [ns, vs] = parseCopyColumns(blocks.join(''), 2);
    assert.deepEqual(ns.map(Number), expected.map((r) => r.n));
    assert.deepEqual(vs, expected.map((r) => r.v));
    assert.deepEqual(vs, [...awkward, null]);
  });

  test('the pooled connection goes back with its settings as they were (JIT is off only for the COPY)', { skip: !TEST_DATABASE_URL && 'PostgreSQL only' }, async () => {
    const jit = async () => (await sql<{ jit: string }>`SHOW jit`.execute(handle.db)).rows[0].jit;
    const before = await jit();
    await collect(handle.copyOut('SELECT 1'));
    assert.equal(await jit(), before);
  });

  test('a COPY SELECT cannot carry a bound parameter', () => {
    assert.throws(() => compileCopySelect(sql`SELECT ${'x'}::text`, handle.db), /cannot take parameters/);
  });

  test('a consumer that stops early leaves the connection usable (one connection in the pool)', async () => {
    // Large enough to span many network chunks, so the COPY is still running when we stop.
    const select = `SELECT g, md5(g::text) FROM generate_series(1, 200000) g`;
    let chunks = 0;
    for await (const chunk of handle.copyOut(select)) {
      assert.ok(chunk.length > 0);
      if (++chunks === 2) break;
    }
    const r = await sql<{ one: number }>`SELECT 1 AS one`.execute(handle.db);
    assert.equal(r.rows[0].one, 1);
    // And a full COPY right after runs to its end.
    const blocks = await collect(copyTextBlocks(handle.copyOut(select)));
    assert.equal(parseCopyColumns(blocks.join(''), 2)[0].length, 200_000);
  });
});
