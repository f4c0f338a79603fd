#!/usr/bin/env node
// The installed package runs the compiled dist/ (`npm run build`). A clone that has not been built yet runs the
// TypeScript sources through tsx, a devDependency, so `node bin/ladder.js` works straight after `npm install`.
import { existsSync } from 'node:fs';

const dist = new URL('../dist/cli/bin.js', import.meta.url);
if (existsSync(dist)) {
  await import(dist.href);
} else {
  let register;
  try {
    ({ register } = await import('tsx/esm/api'));
  } catch {
    process.stderr.write('ladder: dist/ is missing and tsx is not installed; run `npm run build` in the ladder folder\n');
    process.exit(1);
  }
  register();
  await import(new URL('../src/cli/bin.ts', import.meta.url).href);
}
