import { execFileSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';

/**
 * Shared bits of the local benchmarks: the machine line every result carries, the 1-minute load next to every
 * number (llama.cpp slows 5-50x when the 2 cores are shared, so a number without its load means little), and
 * a tiny `--name value` argument reader.
 */
export function machineLine(): string {
  const uname = execFileSync('uname', ['-a']).toString().trim();
  return `${uname} | nproc ${cpus().length} | ${new Date().toISOString()}`;
}

/** 1-minute load average, formatted for a table cell. */
export function load1(): string {
  return loadavg()[0].toFixed(2);
}

export function argValue(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : fallback;
}

export function argList(name: string, fallback: string): number[] {
  return argValue(name, fallback).split(',').map(Number).filter((n) => Number.isFinite(n) && n > 0);
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export const fmt = (n: number, digits = 1): string => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');
