import type { RungSpec } from '../core/task.js';
import type { JsonObject, JsonValue } from '../core/types.js';
import type { LadderSpec } from './spec-schema.js';

/**
 * Turns the spec's rung entries into RungSpecs: every key other than kind/model/id/grid is a parameter, and a
 * `grid` of parameter → values expands into one rung per combination, each with its own id.
 */
export function expandRungs(
  spec: LadderSpec,
  file: string,
  at: (path: (string | number)[], message: string) => void,
  /** A rung's id when the spec gives none: its own defaultId hook, else its kind. */
  defaultId: (kind: string, params: JsonObject) => string = (kind) => kind,
): RungSpec[] {
  const rungs: RungSpec[] = [];
  const ids = new Map<string, number>();
  spec.rungs.forEach((entry, index) => {
    const { kind, model, id, grid, ...rest } = entry;
    const params = rest as JsonObject;
    const combinations = gridCombinations(grid as Record<string, JsonValue[]> | undefined);
    for (const combination of combinations) {
      const merged = { ...params, ...combination };
      const suffix = Object.entries(combination).map(([k, v]) => `${k}${String(v)}`).join('-');
      const base = id ?? defaultId(kind, params);
      const rungId = suffix ? `${base}-${suffix}` : base;
      const first = ids.get(rungId);
      if (first === undefined) ids.set(rungId, index);
      else at(['rungs', index], `rung id "${rungId}" is already rungs[${first}]'s; give this rung its own id${suffix ? '' : `, e.g. \`id: ${rungId}-${model}\``}`);
      rungs.push({ id: rungId, kind, model, params: merged, source: { file, field: `rungs[${index}]` } });
    }
  });
  return rungs;
}

function gridCombinations(grid: Record<string, JsonValue[]> | undefined): JsonObject[] {
  if (!grid) return [{}];
  let combinations: JsonObject[] = [{}];
  for (const [key, values] of Object.entries(grid)) {
    combinations = combinations.flatMap((c) => values.map((v) => ({ ...c, [key]: v })));
  }
  return combinations;
}
