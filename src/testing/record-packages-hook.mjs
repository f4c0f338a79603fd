// A module-resolution hook for the start-up test: prints each npm package the process resolves, once, to stderr.
const seen = new Set();
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  const at = result.url.lastIndexOf('/node_modules/');
  if (at >= 0) {
    const parts = result.url.slice(at + '/node_modules/'.length).split('/');
    const name = parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
    if (!seen.has(name)) {
      seen.add(name);
      process.stderr.write(`package: ${name}\n`);
    }
  }
  return result;
}
