/**
 * Lines of a byte stream, a chunk's worth at a time. Bulk intake reads files of millions of lines:
 * one promise per line (readline's async iterator) costs more than parsing the line, so lines
 * travel in arrays, one per chunk read. A line ends at `\n`; a `\r` before it is dropped (CRLF
 * files), as is a UTF-8 byte-order mark at the very start. UTF-8 characters split between chunks
 * are joined.
 *
 * Bounded in memory and time per line, whatever a client sends: each byte is looked at a fixed
 * number of times (no re-splitting of a growing remainder), and a line longer than `maxLineBytes`
 * is not kept: its bytes are counted and dropped as they arrive, and it comes out as an
 * `OverlongLine` holding only a short prefix, for the receipt to refuse it as `too_long`.
 */

/** Longest line accepted by bulk intake, bytes (docs/api.md "Bulk intake"). */
export const MAX_LINE_BYTES = 64 * 1024;
/** Bytes of an over-long line kept to name it in a refusal. */
const PREFIX_BYTES = 100;
/** Bytes decoded at once: bounds the work and memory per step however large a chunk comes. */
const WINDOW = 64 * 1024;

/** A line past the limit: only its first bytes and its length are kept. */
export class OverlongLine {
  constructor(
    readonly prefix: string,
    readonly bytes: number,
  ) {}
}

export type Line = string | OverlongLine;

function prefixOf(parts: Buffer[]): string {
  const head = Buffer.concat(parts).subarray(0, PREFIX_BYTES).toString('utf8');
  // A multi-byte character cut at the end decodes as U+FFFD: leave it out.
  return head.replace(/\ufffd+$/, '');
}

export async function* lineBatches(source: AsyncIterable<Buffer | string>, maxLineBytes = MAX_LINE_BYTES): AsyncGenerator<Line[], void, undefined> {
  // The bytes of the line not yet ended (never more than maxLineBytes), or, once it is too long,
  // its prefix and length so far.
  let carry: Buffer[] = [];
  let carryLen = 0;
  let dropping: { prefix: string; bytes: number } | null = null;
  let first = true;

  const fix = (s: string): string => {
    if (first) {
      first = false;
      if (s.charCodeAt(0) === 0xfeff) s = s.slice(1);
    }
    return s.length > 0 && s.charCodeAt(s.length - 1) === 13 ? s.slice(0, -1) : s;
  };
  /** More bytes of the unfinished line. */
  const extend = (bytes: Buffer): void => {
    if (bytes.length === 0) return;
    if (dropping) dropping.bytes += bytes.length;
    else if (carryLen + bytes.length > maxLineBytes) {
      dropping = { prefix: prefixOf([...carry, bytes]), bytes: carryLen + bytes.length };
      carry = [];
      carryLen = 0;
    } else {
      carry.push(Buffer.from(bytes)); // a copy: the chunk it came from is not kept alive
      carryLen += bytes.length;
    }
  };
  /** The unfinished line ends with these bytes. */
  const finish = (bytes: Buffer): Line => {
    let line: Line;
    if (dropping) {
      line = new OverlongLine(fix(dropping.prefix), dropping.bytes + bytes.length);
      first = false;
    } else if (carryLen + bytes.length > maxLineBytes) {
      line = new OverlongLine(fix(prefixOf([...carry, bytes])), carryLen + bytes.length);
      first = false;
    } else line = fix(carryLen === 0 ? bytes.toString('utf8') : Buffer.concat([...carry, bytes]).toString('utf8'));
    carry = [];
    carryLen = 0;
    dropping = null;
    return line;
  };
  const checked = (s: string): Line => {
    // A UTF-16 unit is at least one UTF-8 byte: only a long string needs its bytes counted.
    if (s.length * 3 > maxLineBytes) {
      const bytes = Buffer.byteLength(s, 'utf8');
      if (bytes > maxLineBytes) return new OverlongLine(prefixOf([Buffer.from(s.slice(0, PREFIX_BYTES), 'utf8')]), bytes);
    }
    return s.length > 0 && s.charCodeAt(s.length - 1) === 13 ? s.slice(0, -1) : s;
  };

  for await (const chunk of source) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    const out: Line[] = [];
    for (let off = 0; off < buf.length; off += WINDOW) {
      const piece = buf.subarray(off, Math.min(buf.length, off + WINDOW));
      const firstNl = piece.indexOf(10);
      if (firstNl < 0) {
        extend(piece);
        continue;
      }
      out.push(finish(piece.subarray(0, firstNl)));
      const lastNl = piece.lastIndexOf(10);
      // The whole lines between: one decode and one split (a newline byte is never inside a character).
      if (lastNl > firstNl) {
        const inner = piece.toString('utf8', firstNl + 1, lastNl).split('\n');
        for (let i = 0; i < inner.length; i++) out.push(checked(inner[i]));
      }
      extend(piece.subarray(lastNl + 1));
    }
    if (out.length > 0) yield out;
  }
  if (dropping || carryLen > 0) yield [finish(Buffer.alloc(0))];
}
