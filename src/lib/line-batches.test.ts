import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { lineBatches, OverlongLine, type Line } from './line-batches.js';

async function linesOf(chunks: (Buffer | string)[], max?: number): Promise<Line[]> {
  const out: Line[] = [];
  for await (const batch of lineBatches((async function* () { yield* chunks; })(), max)) out.push(...batch);
  return out;
}

/** What readline (crlfDelay: Infinity) gives for \n and \r\n endings, without a byte-order mark. */
function expected(text: string): string[] {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (body.length === 0) return [];
  const lines = body.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

describe('lineBatches', () => {
  test('CRLF, a byte-order mark, empty lines, a last line without a newline', async () => {
    assert.deepEqual(await linesOf([Buffer.from('\ufeffa.example\r\n\r\nb.example\nc')]), ['a.example', '', 'b.example', 'c']);
    assert.deepEqual(await linesOf([]), []);
    assert.deepEqual(await linesOf([Buffer.from('x\n')]), ['x']);
  });

  test('the same lines however the bytes are cut, multi-byte characters included', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom('a', 'é', '中', '😀', '\n', '\r\n', '.', '\t'), { maxLength: 60 }).map((parts) => parts.join('')),
        fc.array(fc.nat(), { maxLength: 10 }),
        async (text, cuts) => {
          const bytes = Buffer.from(text, 'utf8');
          const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
          const chunks: Buffer[] = [];
          let at = 0;
          for (const p of [...points, bytes.length]) {
            chunks.push(bytes.subarray(at, p));
            at = p;
          }
          assert.deepEqual(await linesOf(chunks), expected(text));
        },
      ),
      { numRuns: 300 },
    );
  });

  test('a line past the limit comes out as its length and a short prefix, however the bytes are cut', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom('a', 'é', '中', '😀', '\n', '\r\n', '.'), { maxLength: 80 }).map((parts) => parts.join('')),
        fc.array(fc.nat(), { maxLength: 10 }),
        async (text, cuts) => {
          const max = 12;
          const bytes = Buffer.from(text, 'utf8');
          const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
          const chunks: Buffer[] = [];
          let at = 0;
          for (const p of [...points, bytes.length]) {
            chunks.push(bytes.subarray(at, p));
            at = p;
          }
          const want = expected(text).map((l) => {
            const n = Buffer.byteLength(l, 'utf8');
            // The \r of a CRLF ending counts toward the line's length on the wire.
            return n > max || (n === max && text.includes(l + '\r\n')) ? { bytes: n } : l;
          });
          const got = (await linesOf(chunks, max)).map((l) => (l instanceof OverlongLine ? { bytes: l.bytes } : l));
          assert.equal(got.length, want.length);
          got.forEach((g, i) => {
            if (typeof g === 'string') assert.equal(g, want[i]);
            else assert.ok(typeof want[i] !== 'string' && g.bytes >= (want[i] as { bytes: number }).bytes, `line ${i} is over-long`);
          });
        },
      ),
      { numRuns: 300 },
    );
  });

  test('a 20 MiB line without a newline is dropped as it comes: one short prefix, its length, then the next lines', async () => {
    const big = Buffer.alloc(20 * 1024 * 1024, 'x');
    const chunks = [Buffer.from('first\n')];
    for (let i = 0; i < big.length; i += 65536) chunks.push(big.subarray(i, i + 65536));
    chunks.push(Buffer.from('\nlast.example\n'));
    const lines = await linesOf(chunks);
    assert.equal(lines.length, 3);
    assert.equal(lines[0], 'first');
    assert.ok(lines[1] instanceof OverlongLine);
    assert.equal(lines[1].bytes, big.length);
    assert.ok(lines[1].prefix.length <= 100 && lines[1].prefix.startsWith('xxx'));
    assert.equal(lines[2], 'last.example');
    // One chunk of the whole line at once is cut into windows, not decoded whole.
    const one = await linesOf([Buffer.concat([big, Buffer.from('\nz')])]);
    assert.ok(one[0] instanceof OverlongLine && one[0].bytes === big.length && one[0].prefix.length <= 100);
    assert.equal(one[1], 'z');
  });
});
