/**
 * The fake OpenAI-compatible provider in its own process, for benchmarks that measure Ladder's CPU: the fake's
 * CPU must not be counted as Ladder's. A bench starts itself again with `--serve` (startChildFake) and, in that
 * child, calls serveFakeFromChild; the child prints its URL as one JSON line and exits when its stdin closes.
 */
import { spawn } from 'node:child_process';
import { startFakeProvider } from '../src/testing/fake-provider/index.js';
import type { FakeProviderOptions } from '../src/testing/fake-provider/types.js';

export async function startChildFake(script: string): Promise<{ baseUrl: string; stop(): void }> {
  const child = spawn(process.execPath, ['--import', 'tsx', script, '--serve'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const baseUrl = await new Promise<string>((resolve, reject) => {
    let buffer = '';
    child.stdout.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const line = buffer.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve((JSON.parse(line) as { baseUrl: string }).baseUrl);
    });
    child.on('exit', (code) => reject(new Error(`fake provider exited (${code})`)));
  });
  return { baseUrl, stop: () => child.stdin.end() };
}

export async function serveFakeFromChild(options: FakeProviderOptions): Promise<void> {
  const fake = await startFakeProvider(options);
  process.stdout.write(`${JSON.stringify({ baseUrl: fake.baseUrl })}\n`);
  process.stdin.resume();
  process.stdin.on('end', () => void fake.close().then(() => process.exit(0)));
}
