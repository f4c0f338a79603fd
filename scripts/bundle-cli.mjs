// Bundles the CLI (after `tsc -p tsconfig.build.json`, from the same sources) into dist/cli/bundle/ with esbuild,
// so `ladder run` loads a few dozen files instead of ~400 ESM modules (zod alone is 107, @opentelemetry/api 51):
// resolving and linking them was most of the CLI's start-up (issue 18). Dynamic imports stay dynamic (code
// splitting): each command still loads only its own code, as src/cli/startup-imports.test.ts checks through
// `packages.json` (which npm packages each output file holds).
//
// Left out of the bundle (loaded from node_modules as before):
//   - native addons: better-sqlite3, node-llama-cpp, sqlite-vec (they load .node/.so files by path);
//   - packages that find their own files at run time: bullmq (forks its sandbox by path) and ioredis with it, so
//     there is one ioredis; unpdf (pdf.js worker and wasm); pg (an optional native require).
//
//   node scripts/bundle-cli.mjs        (part of `npm run build` and of the test setup's rebuild)
import { build } from 'esbuild';
import { rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'dist', 'cli', 'bundle');
export const external = ['better-sqlite3', 'node-llama-cpp', 'sqlite-vec', 'bullmq', 'ioredis', 'unpdf', 'pg'];

/**
 * zod's `z.locales` namespace holds its error messages in ~60 languages (368 KB of its 755 KB chunk); the AI SDK
 * imports zod as a namespace, so they are all bundled and evaluated at start-up (~14 ms of every `ladder run`,
 * measured by importing the chunk with and without them). Ladder and the AI SDK use only English (zod's default,
 * which zod imports from `locales/en.js` itself): the namespace keeps `en` and nothing else.
 */
const englishOnlyZod = {
  name: 'english-only-zod',
  setup(build) {
    build.onLoad({ filter: /[\\/]zod[\\/]v4[\\/]locales[\\/]index\.js$/ }, () => ({ contents: 'export { default as en } from "./en.js";\n', loader: 'js' }));
  },
};

export async function bundleCli() {
  rmSync(outdir, { recursive: true, force: true });
  const result = await build({
    absWorkingDir: root,
    entryPoints: [join(root, 'src', 'cli', 'bin.ts')],
    outdir,
    entryNames: '[name]',
    chunkNames: 'chunk-[hash]',
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    external,
    plugins: [englishOnlyZod],
    // CommonJS dependencies bundled into ESM still call require() for Node's built-ins.
    banner: { js: "import { createRequire as __ladderRequire } from 'node:module'; const require = __ladderRequire(import.meta.url);" },
    metafile: true,
    legalComments: 'linked',
    logLevel: 'warning',
  });
  // output file → the npm packages bundled into it (what the start-up test reads).
  const packages = {};
  for (const [file, output] of Object.entries(result.metafile.outputs)) {
    if (!file.endsWith('.js')) continue;
    const names = new Set(Object.keys(output.inputs).map(packageOf).filter(Boolean));
    packages[relative(outdir, join(root, file))] = [...names].sort();
  }
  writeFileSync(join(outdir, 'packages.json'), `${JSON.stringify(packages, null, 1)}\n`);
}

function packageOf(input) {
  const at = input.lastIndexOf('node_modules/');
  if (at < 0) return undefined;
  const parts = input.slice(at + 'node_modules/'.length).split('/');
  return parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await bundleCli();
