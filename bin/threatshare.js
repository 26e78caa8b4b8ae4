#!/usr/bin/env -S node --max-semi-space-size=32
// --max-semi-space-size: a young generation of 2 x 32 MiB instead of V8's 2 x 16 MiB, as `npm
// start` gives it too (package.json; test/cli.test.ts keeps the two equal). Under lookup load the
// server allocates ~20 KB per request, and each young-generation collection stops every request
// in flight; the larger space halves their number (docs/scaling.md, "The lookup tail").
// Runs the TypeScript sources through tsx's loader (no build step needed).
import { register } from 'tsx/esm/api';
register();
await import('../src/main.ts');
