import { spawn, type ChildProcess } from 'node:child_process';

export interface LlamaServerOptions {
  bin: string;
  gguf: string;
  port: number;
  /** Parallel slots (-np). */
  slots: number;
  /** Context per slot; the server gets slots × this (-c), split evenly between slots. */
  perSlotContext: number;
  threads: number;
  extraArgs?: string[];
}

export interface LlamaServer {
  baseUrl: string;
  args: string[];
  stop(): Promise<void>;
}

/**
 * Starts llama.cpp's llama-server on 127.0.0.1 and resolves once /health answers 200. The process is ours and is
 * stopped by pid (SIGTERM, then SIGKILL) — never by name.
 */
export async function startLlamaServer(options: LlamaServerOptions): Promise<LlamaServer> {
  const args = [
    '-m', options.gguf,
    '--host', '127.0.0.1',
    '--port', String(options.port),
    '-np', String(options.slots),
    '-c', String(options.slots * options.perSlotContext),
    '-t', String(options.threads),
    '-tb', String(options.threads),
    '--no-webui',
    ...(options.extraArgs ?? []),
  ];
  const child: ChildProcess = spawn(options.bin, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-4000);
  });
  const baseUrl = `http://127.0.0.1:${options.port}`;
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`llama-server exited (${child.exitCode}):\n${log}`);
    try {
      const response = await fetch(`${baseUrl}/health`);
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`llama-server did not become healthy in 120 s:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    baseUrl,
    args,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}
