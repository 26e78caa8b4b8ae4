/**
 * A user clones this repository alone: no source, test or benchmark may name the folder that
 * lies beside it on the developers' machines (its samples and schemas are vendored in
 * test/fixtures/data and vendor/stix2-json-schemas, with their licences and sources).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

/** The sibling folder, however a path names it (this file, which names it, is not scanned). */
const OUTSIDE = [/\.\.\/shared\b/, /\/work\/(?:shared|\.library)\b/, /\bshared\/(?:data|stix2-json-schemas)\b/];

test('no file of the repository reads the folder beside it', () => {
  const files = execFileSync('git', ['ls-files', 'src', 'test', 'bench', 'scripts', 'web', 'package.json'], { encoding: 'utf8' })
    .split('\n')
    .filter((f) => /\.(ts|tsx|js|mjs|json|sh)$/.test(f) && !f.endsWith('repository-bounds.test.ts'));
  assert.ok(files.length > 100, `${files.length} files listed`);
  const offenders: string[] = [];
  for (const f of files) {
    const lines = readFileSync(f, 'utf8').split('\n');
    lines.forEach((line, i) => {
      if (OUTSIDE.some((re) => re.test(line))) offenders.push(`${f}:${i + 1}: ${line.trim().slice(0, 100)}`);
    });
  }
  assert.deepEqual(offenders, []);
});
