/**
 * Reading `COPY … TO STDOUT` output (DatabaseHandle.copyOut) and building the SELECT it runs.
 *
 * COPY moves rows as plain text, a line per row and a tab between fields, far cheaper to produce
 * and to read than the row messages of an ordinary query (issue 5: a blocklist export of a million
 * rows at close to the speed of a bare COPY). The text format (PostgreSQL docs, COPY, "Text
 * Format"): `\N` is NULL; a backslash escapes `\\`, `\b`, `\f`, `\n`, `\r`, `\t`, `\v`, an octal
 * byte `\ooo` (1–3 digits) or a hex byte `\xhh` (1–2 digits); before any other character it is
 * dropped. COPY TO writes only the named escapes, but the decoder takes the whole format.
 *
 * COPY cannot bind parameters, so the SELECT is compiled with every value inlined as a literal
 * (`sql.lit`), and compileCopySelect refuses a query that still has a parameter.
 */
import type { Kysely, RawBuilder } from 'kysely';

const NEWLINE = 0x0a;

/**
 * Regroups the chunks of a COPY into blocks of whole lines, decoded as UTF-8 (a chunk may end in
 * the middle of a line, even of a character; a newline byte is never inside a UTF-8 sequence).
 */
export async function* copyTextBlocks(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<string, void, undefined> {
  let carry: Buffer | null = null;
  for await (const chunk of chunks) {
    let bytes: Buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (carry !== null) bytes = Buffer.concat([carry, bytes]);
    const end = bytes.lastIndexOf(NEWLINE);
    if (end === -1) {
      carry = Buffer.from(bytes);
      continue;
    }
    // Copied: the chunk's memory may be reused by the driver once we hand control back.
    carry = end + 1 < bytes.length ? Buffer.from(bytes.subarray(end + 1)) : null;
    yield bytes.toString('utf8', 0, end + 1);
  }
  if (carry !== null) throw new Error('COPY output ended inside a row');
}

/**
 * The fields of a block of whole COPY text lines, column by column (no array per row): for
 * `columns` 2, `[firsts, seconds]`, each as long as the block has rows. Throws on a row with another
 * number of fields, which would mean the text was not what the SELECT asked for.
 */
export function parseCopyColumns(block: string, columns: number): (string | null)[][] {
  const out: (string | null)[][] = Array.from({ length: columns }, () => []);
  // Without a backslash anywhere there is neither an escape nor a NULL: fields are plain slices.
  const plain = block.indexOf('\\') === -1;
  const length = block.length;
  // The next tab at or after the current field; it only moves forward, so the block is read once.
  let tab = -1;
  const tabFrom = (from: number) => {
    if (tab < from) {
      tab = block.indexOf('\t', from);
      if (tab === -1) tab = length;
    }
    return tab;
  };
  let start = 0;
  while (start < length) {
    let end = block.indexOf('\n', start);
    if (end === -1) end = length;
    let fieldStart = start;
    for (let c = 0; c < columns; c++) {
      const nextTab = tabFrom(fieldStart);
      const last = c === columns - 1;
      if (last ? nextTab < end : nextTab >= end) throw new Error(`COPY row has ${last ? 'more' : 'fewer'} than ${columns} fields`);
      const fieldEnd = last ? end : nextTab;
      const raw = block.slice(fieldStart, fieldEnd);
      out[c].push(plain ? raw : decodeCopyField(raw));
      fieldStart = fieldEnd + 1;
    }
    start = end + 1;
  }
  return out;
}

const SIMPLE_ESCAPES: Record<string, number> = { b: 0x08, f: 0x0c, n: 0x0a, r: 0x0d, t: 0x09, v: 0x0b };
const isOctal = (c: number) => c >= 0x30 && c <= 0x37;
const hexValue = (c: number) => (c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x61 && c <= 0x66 ? c - 0x57 : c >= 0x41 && c <= 0x46 ? c - 0x37 : -1);

/**
 * One field of COPY text: `\N` is NULL, escapes are undone. Octal and hex escapes give bytes, so
 * the field is rebuilt as bytes and decoded as UTF-8 (`\344\270\255` is one character).
 */
export function decodeCopyField(raw: string): string | null {
  if (raw === '\\N') return null;
  if (raw.indexOf('\\') === -1) return raw;
  const input = Buffer.from(raw, 'utf8');
  const bytes = Buffer.allocUnsafe(input.length);
  let n = 0;
  for (let i = 0; i < input.length; i++) {
    const b = input[i];
    if (b !== 0x5c || i + 1 === input.length) {
      bytes[n++] = b;
      continue;
    }
    const next = input[++i];
    const simple = SIMPLE_ESCAPES[String.fromCharCode(next)];
    if (simple !== undefined) {
      bytes[n++] = simple;
    } else if (isOctal(next)) {
      let value = next - 0x30;
      for (let k = 0; k < 2 && i + 1 < input.length && isOctal(input[i + 1]); k++) value = value * 8 + (input[++i] - 0x30);
      bytes[n++] = value & 0xff;
    } else if (next === 0x78 && i + 1 < input.length && hexValue(input[i + 1]) !== -1) {
      let value = hexValue(input[++i]);
      if (i + 1 < input.length && hexValue(input[i + 1]) !== -1) value = value * 16 + hexValue(input[++i]);
      bytes[n++] = value;
    } else {
      // Any other character after a backslash stands for itself (this covers `\\`).
      bytes[n++] = next;
    }
  }
  return bytes.toString('utf8', 0, n);
}

/**
 * Compiles a SELECT for DatabaseHandle.copyOut. Every value must be inlined with `sql.lit` from
 * checked input (COPY binds no parameters); a query that still carries one is refused.
 */
export function compileCopySelect(query: RawBuilder<unknown>, db: Kysely<any>): string {
  const compiled = query.compile(db);
  if (compiled.parameters.length > 0) throw new Error('A COPY query cannot take parameters; inline checked literals');
  return compiled.sql;
}
