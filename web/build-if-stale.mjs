#!/usr/bin/env node
// Builds the console (web/dist) when it is missing or older than any file under web/src, web/index.html
// or web/vite.config.ts. Run before `npm start` (prestart) and by the end-to-end tests, so a fresh
// clone needs nothing but `npm ci && npm start -- --demo`. A fresh build takes a few seconds.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const web = path.dirname(fileURLToPath(import.meta.url));
const index = path.join(web, 'dist', 'index.html');

function newest(p) {
  const st = fs.statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  let m = 0;
  for (const e of fs.readdirSync(p)) m = Math.max(m, newest(path.join(p, e)));
  return m;
}

export function consoleIsStale() {
  if (!fs.existsSync(index)) return true;
  const built = fs.statSync(index).mtimeMs;
  const sources = Math.max(newest(path.join(web, 'src')), newest(path.join(web, 'index.html')), newest(path.join(web, 'vite.config.ts')));
  return sources > built;
}

export function buildConsole() {
  const vite = path.join(web, '..', 'node_modules', 'vite', 'bin', 'vite.js');
  execFileSync(process.execPath, [vite, 'build', web, '--logLevel', 'warn'], { stdio: 'inherit' });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  if (consoleIsStale()) {
    const t = Date.now();
    process.stdout.write('Building the web console (web/dist)…\n');
    buildConsole();
    process.stdout.write(`Console built in ${((Date.now() - t) / 1000).toFixed(1)} s\n`);
  }
}
