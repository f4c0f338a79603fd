import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { Hono } from 'hono';
import { httpUrl } from './loopback.js';

export interface ListeningServer {
  url: string;
  port: number;
  server: Server;
  close(): Promise<void>;
}

/** Serves a Hono app on host:port (port 0 picks a free one) and resolves once it accepts connections. */
export async function listen(app: Hono<any>, options: { host: string; port: number }): Promise<ListeningServer> {
  const server = await new Promise<Server>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, hostname: options.host, port: options.port }, () => resolve(s as Server)) as Server;
    s.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: httpUrl(options.host, port),
    port,
    server,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
