#!/usr/bin/env node
// The installed package runs the CLI bundle (dist/cli/bundle/, `npm run build`: one file per command's code instead
// of hundreds of modules, see scripts/bundle-cli.mjs), else the compiled dist/. A clone that has not been built yet
// runs the TypeScript sources through tsx, a devDependency, so `node bin/ladder.js` works straight after
// `npm install`.
import { existsSync, statSync } from 'node:fs';

const bundle = new URL('../dist/cli/bundle/bin.js', import.meta.url);
const dist = new URL('../dist/cli/bin.js', import.meta.url);
// A bundle older than the last tsc build (someone ran tsc alone) would run stale code: dist/ is used instead.
const built = (url) => statSync(url, { throwIfNoEntry: false })?.mtimeMs;
const bundled = built(bundle);
const compiled = built(new URL('../dist/.tsbuildinfo', import.meta.url));
if (bundled !== undefined && (compiled === undefined || bundled >= compiled)) {
  await import(bundle.href);
} else if (existsSync(dist)) {
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
