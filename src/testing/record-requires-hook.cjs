// The CommonJS side of record-packages-hook.mjs (preloaded with --require): prints each npm package a require()
// resolves, once, to stderr, e.g. one loaded on first use through createRequire.
const Module = require('node:module');
const seen = new Set();
const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (...args) {
  const path = resolveFilename.apply(this, args);
  const at = path.lastIndexOf('/node_modules/');
  if (at >= 0) {
    const parts = path.slice(at + '/node_modules/'.length).split('/');
    const name = parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
    if (!seen.has(name)) {
      seen.add(name);
      process.stderr.write(`package: ${name}\n`);
    }
  }
  return path;
};
