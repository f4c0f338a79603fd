import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { pgvectorUnavailable } from './testing/pg-test-schema.js';

const installed = !(await pgvectorUnavailable());

describe.skipIf(!installed)('scripts/setup-pgvector.sh once pgvector is installed', () => {
  it('returns at once without apt, and leaves no temporary source list behind', () => {
    const result = spawnSync('bash', ['scripts/setup-pgvector.sh'], { encoding: 'utf8' });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/pgvector already installed for PostgreSQL \d+ \(\d+\.\d+\.\d+\)/);
    expect(result.stdout).not.toMatch(/deb-src|apt/);
    expect(existsSync('/etc/apt/sources.list.d/ladder-pgvector-src.sources')).toBe(false);
  });
});
