// A module-resolution hook for the start-up test: prints each npm package the process resolves, once, to stderr,
// and each file of the CLI bundle (dist/cli/bundle/) it loads, whose bundled packages the test looks up.
const seen = new Set();
const say = (line) => {
  if (seen.has(line)) return;
  seen.add(line);
  process.stderr.write(`${line}\n`);
};
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  const at = result.url.lastIndexOf('/node_modules/');
  if (at >= 0) {
    const parts = result.url.slice(at + '/node_modules/'.length).split('/');
    say(`package: ${parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]}`);
  }
  const bundled = result.url.lastIndexOf('/dist/cli/bundle/');
  if (bundled >= 0) say(`bundle file: ${result.url.slice(bundled + '/dist/cli/bundle/'.length)}`);
  return result;
}
