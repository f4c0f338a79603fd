import { Hono } from 'hono';
import { Counter, Gauge } from 'prom-client';
import { createHttpMetrics } from '../http/http-metrics.js';

export interface WorkerStatus {
  queue: string;
  concurrency: number;
  active(): number;
  warm(): number;
}

export interface WorkerHttp {
  app: Hono;
  /** Counts a finished job: completed (rows written), stopped (budget or context stop) or failed (retried by BullMQ). */
  jobDone(outcome: 'completed' | 'failed' | 'stopped', examples: number): void;
}

/**
 * `ladder worker`'s own endpoints: `GET /health` (JSON: queue, jobs in flight, warm predictors) and `GET /metrics`
 * (Prometheus: the shared HTTP metrics plus job and example counters, in-flight and warm gauges). Read-only and
 * without secrets; bound to loopback unless `--host` says otherwise.
 */
export function workerApp(status: WorkerStatus, now: () => number = Date.now): WorkerHttp {
  const started = now();
  const metrics = createHttpMetrics({ prefix: 'ladder_worker_http_' });
  const registers = [metrics.registry];
  const jobs = new Counter({ name: 'ladder_worker_jobs_total', help: 'Evaluation jobs this worker finished, by outcome', labelNames: ['outcome'], registers });
  const examples = new Counter({ name: 'ladder_worker_examples_total', help: 'Examples this worker evaluated (rows written)', registers });
  new Gauge({ name: 'ladder_worker_active_jobs', help: 'Jobs being evaluated now', registers, collect() { this.set(status.active()); } });
  new Gauge({ name: 'ladder_worker_warm_predictors', help: 'Prepared (run, rung) predictors kept warm', registers, collect() { this.set(status.warm()); } });
  const app = new Hono();
  app.use('*', metrics.middleware);
  app.get('/health', (c) => c.json({ status: 'ok', queue: status.queue, concurrency: status.concurrency, active: status.active(), warm: status.warm(), uptimeSeconds: Math.round((now() - started) / 1000) }));
  app.get('/metrics', metrics.handler);
  return {
    app,
    jobDone(outcome, n) {
      jobs.inc({ outcome });
      if (n > 0) examples.inc(n);
    },
  };
}
