import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { lineBatches } from './line-batches.js';

async function linesOf(chunks: (Buffer | string)[]): Promise<string[]> {
  const out: string[] = [];
  for await (const batch of lineBatches((async function* () { yield* chunks; })())) out.push(...batch);
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
});
