import type { Context, MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import { Counter, Histogram, Registry } from 'prom-client';

export interface HttpMetrics {
  /** This server's own registry (never prom-client's global one: two servers in one process stay apart). */
  registry: Registry;
  /** Counts and times every request; mount first so 401s and 413s are counted too. */
  middleware: MiddlewareHandler;
  /** `GET /metrics` in the Prometheus text exposition format. */
  handler: (c: Context) => Promise<Response>;
}

/** Latency buckets (seconds) from a cache hit (sub-millisecond) to a slow local generation. */
const BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/**
 * Request count, latency histogram and errors for a Hono app, labelled by route pattern (not raw path, so a
 * scanner probing random URLs cannot blow up the label set). `now` returns milliseconds; injected for tests.
 */
export function createHttpMetrics(options: { prefix?: string; now?: () => number } = {}): HttpMetrics {
  const prefix = options.prefix ?? 'ladder_http_';
  const now = options.now ?? (() => performance.now());
  const registry = new Registry();
  const requests = new Counter({ name: `${prefix}requests_total`, help: 'HTTP requests answered', labelNames: ['method', 'route', 'status'], registers: [registry] });
  const errors = new Counter({ name: `${prefix}request_errors_total`, help: 'HTTP requests answered with a 4xx or 5xx status', labelNames: ['method', 'route', 'status'], registers: [registry] });
  const duration = new Histogram({ name: `${prefix}request_duration_seconds`, help: 'Time to answer an HTTP request', labelNames: ['method', 'route'], buckets: BUCKETS, registers: [registry] });

  const middleware: MiddlewareHandler = async (c, next) => {
    const started = now();
    try {
      await next();
    } finally {
      const labels = { method: c.req.method, route: routeOf(c) };
      const status = String(c.res.status);
      requests.inc({ ...labels, status });
      if (c.res.status >= 400) errors.inc({ ...labels, status });
      duration.observe(labels, (now() - started) / 1000);
    }
  };
  const handler = async (c: Context) => c.body(await registry.metrics(), 200, { 'content-type': registry.contentType });
  return { registry, middleware, handler };
}

function routeOf(c: Context): string {
  // Middleware is registered for every method ('ALL'); the handler that answered is the last method-specific match.
  const route = matchedRoutes(c).filter((r) => r.method !== 'ALL').at(-1);
  return route?.path ?? 'unmatched';
}
