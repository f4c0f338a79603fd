import type { Context } from 'hono';
import { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import { findMetric } from '../eval/metrics/registry.js';
import { costVolumeChart } from '../report/charts/cost-volume.js';
import { esc } from '../report/escape.js';
import { listen, type ListeningServer } from '../http/listen.js';
import { requireToken } from '../http/token-auth.js';
import { CLIENT_SCRIPT } from './client-script.js';
import { paretoChart } from './pareto-chart.js';
import { comparePage, type RungChange } from './pages/compare-page.js';
import { examplePage, examplesPage } from './pages/examples-page.js';
import { CSP, CSS, ICON, layout } from './pages/layout.js';
import { runPage } from './pages/run-page.js';
import { runsPage } from './pages/runs-page.js';
import { economicsJson } from './pages/verdict.js';
import { compareRunRows, correctness, RunData, type RunAnalysis, type UiStore } from './run-data.js';
import { progressText } from './pages/progress-text.js';

export interface UiServerOptions {
  /** The project's store: SQLite (`sqliteLadderStore`) or Postgres. */
  store: UiStore;
  token: string;
  host?: string;
  port?: number;
  /** How often the live stream re-reads the store for running runs (ms). */
  pollMs?: number;
}

/**
 * `ladder ui`: server-rendered pages over the project's store. Every response needs the token (cookie set from
 * the printed URL, or a Bearer header); pages carry a CSP with no inline script or style; all store text is
 * escaped on the way into HTML, and the one script writes with textContent only.
 */
export function uiApp(options: UiServerOptions): Hono {
  const data = new RunData(options.store);
  const picks = new Map<string, string | undefined>(); // finished runs only: their pick never changes
  const app = new Hono();
  app.use('*', async (c, next) => {
    await next();
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('Referrer-Policy', 'no-referrer');
    c.header('Cache-Control', 'no-store');
    if (!c.res.headers.has('Content-Security-Policy')) c.header('Content-Security-Policy', CSP);
  });
  app.use('*', requireToken(options.token));
  app.get('/assets/ui.js', (c) => c.body(CLIENT_SCRIPT, 200, { 'content-type': 'text/javascript; charset=utf-8' }));
  app.get('/assets/icon.svg', (c) => c.body(ICON, 200, { 'content-type': 'image/svg+xml' }));
  app.get('/assets/ui.css', (c) => c.body(CSS, 200, { 'content-type': 'text/css; charset=utf-8' }));

  app.get('/', async (c) => {
    const filter = c.req.query('task') || undefined;
    const runs = await data.runs();
    const rows = await Promise.all(
      runs.filter((r) => !filter || r.name === filter).map(async (run) => {
        if (run.status !== 'running' && !picks.has(run.id)) {
          const a = await data.analysis(run);
          picks.set(run.id, 'error' in a ? undefined : a.recommendation.rungId);
        }
        return { run, progress: await data.progress(run), pick: picks.get(run.id), spentUsd: await options.store.spentUsd(run.id) };
      }),
    );
    return c.html(runsPage(rows, [...new Set(runs.map((r) => r.name))].sort(), filter));
  });

  app.get('/runs/:id', async (c) => {
    const run = await data.run(c.req.param('id'));
    if (!run) return notFound(c, 'no such run');
    const a = await data.analysis(run);
    if ('error' in a) return notFound(c, `cannot read this run's task: ${a.error}`);
    return c.html(runPage(run, a, await data.progress(run), (await data.runs()).filter((r) => r.name === run.name)));
  });

  const withAnalysis = async (c: Context, then: (a: RunAnalysis, volume: number) => Response) => {
    const run = await data.run(c.req.param('id')!);
    if (!run) return notFound(c, 'no such run');
    const raw = c.req.query('volume');
    const volume = raw === undefined ? undefined : Number(raw);
    if (volume !== undefined && !(Number.isInteger(volume) && volume >= 1 && volume <= 1e10)) return c.json({ error: 'volume must be a whole number from 1 to 10^10' }, 400);
    const a = await data.analysis(run, volume);
    if ('error' in a) return notFound(c, a.error);
    return then(a, a.task.monthlyVolume);
  };
  app.get('/runs/:id/economics', (c) => withAnalysis(c, (a, volume) => c.json(economicsJson(a.recommendation, volume, a.costs))));
  const svg = (c: Context, text: string) => c.body(text, 200, { 'content-type': 'image/svg+xml', 'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'" });
  app.get('/runs/:id/pareto.svg', (c) => withAnalysis(c, (a) => svg(c, paretoChart(a.summaries, a.costs, a.recommendation, a.task.primaryMetric))));
  app.get('/runs/:id/cost-volume.svg', (c) => withAnalysis(c, (a) => svg(c, costVolumeChart(a.costs))));

  app.get('/runs/:id/examples', async (c) => {
    const run = await data.run(c.req.param('id'));
    if (!run) return notFound(c, 'no such run');
    const loaded = await data.task(run);
    if ('error' in loaded) return notFound(c, loaded.error);
    const rows = await data.predictions(run);
    const metric = findMetric(loaded.task.primaryMetric);
    const right = new Map([...rows].map(([r, list]) => [r, correctness(loaded.task, metric, list)]));
    const page = Math.max(0, Math.floor(Number(c.req.query('page') ?? 0)) || 0);
    return c.html(examplesPage(run, loaded.task.test, rows, right, c.req.query('q') ?? '', page));
  });

  app.get('/runs/:id/examples/:example', async (c) => {
    const run = await data.run(c.req.param('id'));
    if (!run) return notFound(c, 'no such run');
    const loaded = await data.task(run);
    if ('error' in loaded) return notFound(c, loaded.error);
    const example = loaded.task.test.find((e) => e.id === c.req.param('example'));
    if (!example) return notFound(c, 'no such example in this run');
    const rows = await data.predictions(run);
    const metric = findMetric(loaded.task.primaryMetric);
    const mine = new Map([...rows].map(([r, list]) => [r, list.find((p) => p.exampleId === example.id)]));
    const right = new Map([...rows].map(([r, list]) => [r, correctness(loaded.task, metric, list).get(example.id)]));
    return c.html(examplePage(run, example, mine, right));
  });

  app.get('/compare', async (c) => {
    const a = await data.run(c.req.query('a') ?? '');
    const b = await data.run(c.req.query('b') ?? '');
    if (!a || !b) return notFound(c, 'compare needs two runs: /compare?a=<run>&b=<run>');
    if (a.name !== b.name) return c.html(layout('Compare', `<p class="warn">${esc(a.id)} and ${esc(b.id)} are runs of different tasks (${esc(a.name)}, ${esc(b.name)}).</p>`), 400);
    const loaded = await data.task(b);
    if ('error' in loaded) return notFound(c, loaded.error);
    const metric = findMetric(loaded.task.primaryMetric);
    if (!metric) return notFound(c, `unknown metric ${loaded.task.primaryMetric}`);
    const rowsA = await data.predictions(a);
    const rowsB = await data.predictions(b);
    const changes: RungChange[] = [...new Set([...rowsA.keys(), ...rowsB.keys()])].map((rungId) => {
      const ra = rowsA.get(rungId) ?? [];
      const rb = rowsB.get(rungId) ?? [];
      const ca = correctness(loaded.task, metric, ra);
      const cb = correctness(loaded.task, metric, rb);
      const both = [...ca.keys()].filter((id) => cb.has(id));
      return {
        rungId,
        difference: ra.length && rb.length ? compareRunRows(loaded.task, metric, ra, rb) : undefined,
        regressions: both.filter((id) => ca.get(id) && !cb.get(id)),
        fixes: both.filter((id) => !ca.get(id) && cb.get(id)),
      };
    });
    return c.html(comparePage(a, b, metric.name, changes, new Map(loaded.task.test.map((e) => [e.id, e])), c.req.query('only') === 'regressions'));
  });

  // Live progress: every pollMs, one `progress` event per running run (and one last event when it stops).
  app.get('/events/runs', (c) =>
    streamSSE(c, async (stream) => {
      const watching = new Set<string>();
      while (!stream.aborted) {
        for (const run of await data.runs()) {
          if (run.status !== 'running' && !watching.has(run.id)) continue;
          await stream.writeSSE({ event: 'progress', data: JSON.stringify({ runId: run.id, status: run.status, rungs: (await data.progress(run)).map((p) => ({ ...p, text: progressText(p) })) }) });
          if (run.status === 'running') watching.add(run.id);
          else watching.delete(run.id);
        }
        await stream.sleep(options.pollMs ?? 1000);
      }
    }),
  );

  app.notFound((c) => notFound(c, 'no such page'));
  return app;
}

function notFound(c: Context, message: string): Response {
  return c.html(layout('Not found', `<h1>Not found</h1><p>${esc(message)}</p>`), 404);
}

export function startUiServer(options: UiServerOptions): Promise<ListeningServer> {
  return listen(uiApp(options), { host: options.host ?? '127.0.0.1', port: options.port ?? 0 });
}
