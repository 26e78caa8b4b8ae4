/**
 * The console's two languages have the same keys, and every key the console's code asks for
 * literally (`t('…')`) exists in both: a string missing in one language fails here, not in front
 * of a duty officer.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const web = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../web/src');
const load = (name: string) => JSON.parse(fs.readFileSync(path.join(web, 'i18n', name), 'utf8')) as Record<string, unknown>;

export function flattenKeys(o: Record<string, unknown>, prefix = ''): string[] {
  return Object.entries(o).flatMap(([k, v]) => (v && typeof v === 'object' ? flattenKeys(v as Record<string, unknown>, `${prefix}${k}.`) : [`${prefix}${k}`]));
}

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sourceFiles(path.join(dir, e.name)) : /\.tsx?$/.test(e.name) ? [path.join(dir, e.name)] : []));
}

describe('console translations', () => {
  const zh = new Set(flattenKeys(load('zh-CN.json')));
  const en = new Set(flattenKeys(load('en.json')));

  test('zh-CN and en have exactly the same keys', () => {
    assert.deepEqual([...zh].filter((k) => !en.has(k)), [], 'keys only in zh-CN.json');
    assert.deepEqual([...en].filter((k) => !zh.has(k)), [], 'keys only in en.json');
    assert.ok(zh.size > 300);
  });

  test('no translation is empty', () => {
    for (const [name, keys] of [['zh-CN.json', load('zh-CN.json')], ['en.json', load('en.json')]] as const) {
      const empty = flattenKeys(keys).filter((k) => k.split('.').reduce<any>((o, p) => o?.[p], keys) === '');
      assert.deepEqual(empty, [], `empty strings in ${name}`);
    }
  });

  test('every literal key the console uses exists in both languages', () => {
    const used = new Set<string>();
    const groups = new Set<string>();
    for (const f of sourceFiles(web)) {
      const src = fs.readFileSync(f, 'utf8');
      for (const m of src.matchAll(/\bt\(\s*'([a-zA-Z0-9_.]+)'/g)) used.add(m[1]!);
      for (const m of src.matchAll(/\ben\(\s*'([a-zA-Z]+)'/g)) groups.add(m[1]!);
    }
    assert.ok(used.size > 200, `found ${used.size} keys`);
    const missing = [...used].filter((k) => !zh.has(k) || !en.has(k));
    assert.deepEqual(missing, []);
    const missingGroups = [...groups].filter((g) => ![...zh].some((k) => k.startsWith(`enum.${g}.`)));
    assert.deepEqual(missingGroups, [], 'enum groups without labels');
  });

  test('the Chinese file is Chinese and the English file is not', () => {
    const zhFile = load('zh-CN.json') as { nav: Record<string, string> };
    const enFile = load('en.json') as { nav: Record<string, string> };
    assert.match(zhFile.nav.dashboard!, /[\u4e00-\u9fff]/);
    assert.doesNotMatch(enFile.nav.dashboard!, /[\u4e00-\u9fff]/);
  });
});
