import { existsSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import type { PairedComparison } from '../../core/results.js';
import type { StoreProject } from '../../project/project.js';

/** `ladder runs` and `ladder show <run>`: read the store, change nothing. */
export function registerInspect(program: Command): void {
  program
    .command('runs')
    .description('list runs in this project')
    .option('-n, --limit <n>', 'how many', positiveInteger, 20)
    .action(async (options: { limit: number }) => {
      const [{ formatTable }, { databaseUrl, openExistingStoreProject }, { requireProject }] = await Promise.all([import('../format-results.js'), import('../../project/project.js'), import('../../project/project-paths.js')]);
      // On Postgres the runs are not in a project folder: none is needed to list them.
      const paths = databaseUrl(process.env) ? undefined : requireProject(process.env);
      // A project folder without a store yet: say so, create nothing.
      const project = await openExistingStoreProject(process.env);
      if (!project) return console.log(noRunsYet(paths!.stateDir));
      await withProject(project, async (project) => {
        const runs = await project.runs.listRuns(options.limit);
        if (runs.length === 0) return console.log(project.runs.kind === 'postgres' ? 'no runs yet in the Postgres store (LADDER_DATABASE_URL)' : noRunsYet(project.paths.stateDir));
        const rungs = await Promise.all(runs.map((r) => project.runs.getRungs(r.id)));
        console.log(
          formatTable(
            ['run', 'task', 'status', 'started', 'rungs'],
            runs.map((r, i) => [r.id, r.name, r.status, r.createdAt.replace('T', ' ').slice(0, 19), rungs[i].map((g) => `${g.rungId}:${g.status}`).join(' ')]),
          ),
        );
      });
    });

  program
    .command('show')
    .description('show a run: quality ± CI, latency, tokens and errors per rung')
    .argument('[run]', 'run id (default: the latest)')
    .action(async (runId: string | undefined) => {
      const [{ formatComparisons, formatDecisions, formatOtherMetrics, formatSummaries }, { findRun, openStoreProjectWithRuns }] = await Promise.all([import('../format-results.js'), import('../../project/project.js')]);
      await withProject(await openStoreProjectWithRuns(process.env, runId), async (project) => {
        const run = await findRun(project.runs, runId, ' (see ladder runs)');
        const rungs = await project.runs.getRungs(run.id);
        const summaries = rungs.flatMap((r) => (r.summary ? [r.summary] : []));
        const primary = summaries[0] ? Object.keys(summaries[0].metrics)[0] : 'quality';
        console.log(`run ${run.id} · ${run.name} · ${run.status} · started ${run.createdAt}`);
        for (const r of rungs.filter((g) => g.status !== 'done')) {
          const rows = (await project.runs.completedExampleIds(run.id, r.rungId)).size;
          console.log(`  ${r.rungId}: ${r.status}${r.error ? ` (${r.error})` : ''}, ${rows} predictions stored`);
        }
        if (summaries.length) {
          console.log(`\n${formatSummaries(summaries, primary)}`);
          const others = formatOtherMetrics(summaries, primary);
          if (others) console.log(`\n${others}`);
          const decisions = formatDecisions(summaries, (run.options.skipped as unknown as { rungId: string; reason: string }[] | undefined) ?? []);
          if (decisions) console.log(`\n${decisions}`);
        }
        const comparisons = run.options.comparisons as unknown as PairedComparison[] | undefined;
        if (comparisons?.length) console.log(`\n${formatComparisons(comparisons)}`);
        for (const probe of await project.listProbes(5)) {
          console.log(`\nprobe ${probe.kind} on ${probe.modelRef} (${probe.createdAt}):\n${probe.text}`);
        }
      });
    });
}

/** "no runs yet", with a command that works from here when the project's folder holds a ladder.yaml. */
function noRunsYet(stateDir: string): string {
  const spec = join(dirname(stateDir), 'ladder.yaml');
  if (!existsSync(spec)) return `no runs yet in ${stateDir}`;
  return `no runs yet in ${stateDir}; start one with:  ladder run ${relative(process.cwd(), spec)}`;
}

async function withProject(project: StoreProject, action: (project: StoreProject) => Promise<void>): Promise<void> {
  try {
    await action(project);
  } finally {
    await project.close();
  }
}

function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError(`expected a positive whole number, got "${value.slice(0, 40)}"`);
  return n;
}
