import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { PROBLEM_CODES } from '../src/lib/problem.js';
import { REFUSAL_CODES } from '../src/modules/indicators/normalize.js';

const doc = fs.readFileSync(path.resolve(import.meta.dirname, '../docs/errors.md'), 'utf8');

test('every problem code is documented in docs/errors.md with its status', () => {
  for (const [code, { status }] of Object.entries(PROBLEM_CODES)) {
    assert.match(doc, new RegExp(`\\| \`${code}\` \\| ${status} \\|`), `${code} (${status}) is missing from docs/errors.md`);
  }
});

test('every refusal code of observables is documented', () => {
  for (const code of REFUSAL_CODES) assert.ok(doc.includes(`| \`${code}\` |`), `refusal code ${code} is missing from docs/errors.md`);
});
