/**
 * Parsing of bulk intake lines, pure: CSV (RFC 4180, one record per line), NDJSON, and plain lists
 * (one value per line, as public blocklists publish them: the first field before a tab or space,
 * `#` comments). Each line yields a candidate or a refusal with a reason; nothing throws.
 */

export type BulkFormat = 'csv' | 'ndjson' | 'lines';

export interface BulkCandidate {
  value: string;
  type?: string;
  category?: string;
  subtype?: string;
}

export type ParsedLine = { kind: 'skip' } | { kind: 'candidate'; c: BulkCandidate } | { kind: 'refused'; code: string; message: string; value: string };

const SKIP: ParsedLine = { kind: 'skip' };

/** Splits one CSV record; quoted fields may hold commas and doubled quotes. Null when malformed. */
export function splitCsvLine(line: string): string[] | null {
  if (line.indexOf('"') < 0) return line.split(',');
  const out: string[] = [];
  let i = 0;
  while (i <= line.length) {
    if (line[i] === '"') {
      let val = '';
      i++;
      for (;;) {
        const q = line.indexOf('"', i);
        if (q < 0) return null;
        val += line.slice(i, q);
        if (line[q + 1] === '"') {
          val += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      out.push(val);
      if (i < line.length && line[i] !== ',') return null;
      i++;
    } else {
      const c = line.indexOf(',', i);
      const end = c < 0 ? line.length : c;
      out.push(line.slice(i, end));
      i = end + 1;
    }
  }
  return out;
}

export class BulkLineParser {
  private columns: Map<string, number> | null = null;

  constructor(readonly format: BulkFormat) {}

  parse(rawLine: string): ParsedLine {
    const line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
    if (line.length === 0) return SKIP;
    switch (this.format) {
      case 'lines': {
        const t = line.trimStart();
        if (t.length === 0 || t[0] === '#' || t[0] === ';' || t.startsWith('//')) return SKIP;
        let end = 0;
        while (end < t.length && t[end] !== '\t' && t[end] !== ' ') end++;
        return { kind: 'candidate', c: { value: t.slice(0, end) } };
      }
      case 'ndjson': {
        if (line.trim().length === 0) return SKIP;
        let obj: unknown;
        try {
          obj = JSON.parse(line);
        } catch {
          return { kind: 'refused', code: 'malformed_line', message: 'Not a JSON object', value: line.slice(0, 200) };
        }
        if (typeof obj !== 'object' || obj === null || typeof (obj as { value?: unknown }).value !== 'string')
          return { kind: 'refused', code: 'malformed_line', message: 'A line is an object with a string "value"', value: line.slice(0, 200) };
        const o = obj as Record<string, unknown>;
        for (const k of Object.keys(o))
          if (k !== 'value' && k !== 'type' && k !== 'category' && k !== 'subtype')
            return { kind: 'refused', code: 'unknown_field', message: `Unknown field "${k}"; fields are value, type, category, subtype`, value: String(o.value).slice(0, 200) };
        for (const k of ['type', 'category', 'subtype'])
          if (o[k] !== undefined && typeof o[k] !== 'string')
            return { kind: 'refused', code: 'malformed_line', message: `"${k}" must be a string`, value: String(o.value).slice(0, 200) };
        return { kind: 'candidate', c: o as unknown as BulkCandidate };
      }
      case 'csv': {
        const cells = splitCsvLine(line);
        if (cells === null) return { kind: 'refused', code: 'malformed_line', message: 'Unbalanced quotes (a field may not span lines)', value: line.slice(0, 200) };
        if (this.columns === null) {
          const cols = new Map<string, number>();
          cells.forEach((c, i) => cols.set(c.trim().toLowerCase(), i));
          if (!cols.has('value')) {
            return { kind: 'refused', code: 'missing_header', message: 'The first CSV line is a header naming the columns: value[,type,category,subtype]', value: line.slice(0, 200) };
          }
          this.columns = cols;
          return SKIP;
        }
        const get = (name: string) => {
          const i = this.columns!.get(name);
          const v = i === undefined ? undefined : cells[i]?.trim();
          return v === '' ? undefined : v;
        };
        const value = get('value');
        if (value === undefined) return { kind: 'refused', code: 'empty', message: 'The value column is empty', value: '' };
        return { kind: 'candidate', c: { value, type: get('type'), category: get('category'), subtype: get('subtype') } };
      }
    }
  }

  /** CSV needs its header before anything else; says whether one was read. */
  get hasHeader(): boolean {
    return this.format !== 'csv' || this.columns !== null;
  }
}
