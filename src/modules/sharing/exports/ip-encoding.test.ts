import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formatIPv4, parseIPv4 } from './ip-encoding.js';

/** The canonical dotted quad as a pattern: the definition the one-pass parser must agree with. */
const CANONICAL = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;
const byPattern = (text: string): number | undefined => {
  const m = CANONICAL.exec(text);
  return m === null ? undefined : ((Number(m[1]) * 256 + Number(m[2])) * 256 + Number(m[3])) * 256 + Number(m[4]);
};

describe('parseIPv4: canonical dotted quads only', () => {
  test('agrees with the canonical pattern on every octet text of up to four characters, in each position', () => {
    const octets: string[] = [''];
    for (let v = 0; v <= 1000; v++) octets.push(String(v), `0${v}`, `00${v}`);
    octets.push('-1', '+1', ' 1', '1 ', 'a', '1a', '٣', '１', '0x1', '1e2', '.', '..');
    for (const o of octets) {
      for (const text of [`${o}.1.2.3`, `1.${o}.2.3`, `1.2.${o}.3`, `1.2.3.${o}`]) assert.equal(parseIPv4(text), byPattern(text), JSON.stringify(text));
    }
  });

  test('refuses what is not four octets, and round-trips through formatIPv4', () => {
    for (const text of ['', '1.2.3', '1.2.3.4.5', '1.2.3.4.', '.1.2.3.4', '1..2.3', '1.2.3.4\n', '1.2.3.4/32', '255.255.255.2550', '1.2.3.4 ', '::ffff:1.2.3.4'])
      assert.equal(parseIPv4(text), undefined, JSON.stringify(text));
    for (const text of ['0.0.0.0', '255.255.255.255', '10.0.0.1', '120.238.23.168', '1.2.3.4']) {
      assert.equal(parseIPv4(text), byPattern(text));
      assert.equal(formatIPv4(parseIPv4(text)!), text);
    }
  });

  test('agrees with the pattern on random strings of digits and dots', () => {
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const alphabet = '0123456789.';
    for (let i = 0; i < 200_000; i++) {
      let text = '';
      const n = 5 + Math.floor(rnd() * 13);
      for (let j = 0; j < n; j++) text += alphabet[Math.floor(rnd() * alphabet.length)];
      assert.equal(parseIPv4(text), byPattern(text), JSON.stringify(text));
    }
  });
});
