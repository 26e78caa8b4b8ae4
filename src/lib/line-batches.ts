/**
 * Lines of a byte stream, a chunk's worth at a time. Bulk intake reads files of millions of lines:
 * one promise per line (readline's async iterator) costs more than parsing the line, so lines
 * travel in arrays, one per chunk read. A line ends at `\n`; a `\r` before it is dropped (CRLF
 * files), as is a UTF-8 byte-order mark at the very start. UTF-8 characters split between chunks
 * are joined.
 */
import { StringDecoder } from 'node:string_decoder';

export async function* lineBatches(source: AsyncIterable<Buffer | string>): AsyncGenerator<string[], void, undefined> {
  const decoder = new StringDecoder('utf8');
  let carry = '';
  let first = true;
  for await (const chunk of source) {
    let text = carry + (typeof chunk === 'string' ? chunk : decoder.write(chunk));
    if (first && text.length > 0) {
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      first = false;
    }
    const lines = text.split('\n');
    carry = lines.pop()!;
    if (lines.length === 0) continue;
    for (let i = 0; i < lines.length; i++) {
      const l = lines[i];
      if (l.length > 0 && l.charCodeAt(l.length - 1) === 13) lines[i] = l.slice(0, -1);
    }
    yield lines;
  }
  const rest = carry + decoder.end();
  if (rest.length > 0) yield [rest.charCodeAt(rest.length - 1) === 13 ? rest.slice(0, -1) : rest];
}
