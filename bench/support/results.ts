/**
 * The result rows of a benchmark run, their table, and the JSON file they
 * are written to.
 */
import { access, constants, mkdir, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import type { RequestCounts } from './counting-dispatcher.js';
import { BenchOptionsError } from './errors.js';
import { median } from './stats.js';

/** One measured side of a comparison: tagkeeper or its baseline. */
export interface Side {
  label: string;
  /** Median wall time of the measured runs, in milliseconds. */
  medianMs: number;
  samplesMs: number[];
  /** HTTP requests of one run, when counted. */
  requests?: RequestCounts;
  /** Peak resident set size of the process that did the work, in MiB. */
  peakRssMib?: number;
}

/** One row of the results table. */
export interface ScenarioRow {
  scenario: string;
  /** What the row measures, such as "resolve 1000 rolling tags". */
  work: string;
  status: 'ran' | 'not run';
  /** Why the row did not run. */
  reason?: string;
  subject?: Side;
  baseline?: Side;
  /** Subject median divided by baseline median, or the row's own figure of merit. */
  ratio?: number;
  /** The target, such as "≤ 1.15×". */
  target: string;
  met?: boolean;
  /** Facts a reader needs to read the figures, such as an extrapolation. */
  notes: string[];
}

/** Returns a side from its samples. */
export function side(label: string, samplesMs: number[], extra: Omit<Side, 'label' | 'medianMs' | 'samplesMs'> = {}): Side {
  return { label, medianMs: median(samplesMs), samplesMs: samplesMs.map((value) => Math.round(value * 100) / 100), ...extra };
}

/** Returns a row for a scenario that could not run, with the reason. */
export function notRun(scenario: string, work: string, target: string, reason: string): ScenarioRow {
  return { scenario, work, status: 'not run', reason, target, notes: [] };
}

/** Formats milliseconds for the table: `812 ms`, `12.4 s`, `0.31 ms`. */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return '—';
  if (ms >= 10_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms >= 100) return `${Math.round(ms)} ms`;
  if (ms >= 1) return `${ms.toFixed(1)} ms`;
  return `${ms.toFixed(3)} ms`;
}

/** Returns the results as a Markdown table, one line per row. */
export function formatTable(rows: readonly ScenarioRow[]): string {
  const header = ['scenario', 'work', 'tagkeeper', 'requests', 'baseline', 'baseline time', 'requests', 'ratio', 'target', 'met'];
  const lines = rows.map((row) => {
    if (row.status === 'not run') {
      return [row.scenario, row.work, `not run: ${row.reason ?? ''}`, '', '', '', '', '', row.target, '—'];
    }
    return [
      row.scenario,
      row.work,
      sideTime(row.subject),
      String(row.subject?.requests?.total ?? '—'),
      row.baseline?.label ?? '—',
      sideTime(row.baseline),
      String(row.baseline?.requests?.total ?? '—'),
      row.ratio === undefined ? '—' : `${row.ratio.toFixed(2)}×`,
      row.target,
      formatMet(row.met),
    ];
  });
  return [header, header.map(() => '---'), ...lines].map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}

function sideTime(value: Side | undefined): string {
  if (value === undefined) return '—';
  const rss = value.peakRssMib === undefined ? '' : `, ${Math.round(value.peakRssMib)} MiB RSS`;
  return `${formatMs(value.medianMs)}${rss}`;
}

/** Describes the machine, for the results file. */
export function machineInfo(): Record<string, unknown> {
  return {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memoryMib: Math.round(os.totalmem() / 2 ** 20),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
  };
}

/** Writes the results and the options they were measured with to `file` as JSON. */
/**
 * Checks before a run that the results can be written to `file`: it is not a
 * folder, and its folder exists or can be made and is writable. Missing
 * folders are made one level at a time, because a recursive `mkdir` below
 * `/proc` was seen to spin without returning with Node 20 on Linux.
 *
 * @throws BenchOptionsError naming the path and the reason.
 */
export async function prepareOutput(file: string): Promise<void> {
  const target = path.resolve(file);
  const existing = await stat(target).catch(() => undefined);
  if (existing?.isDirectory()) {
    throw new BenchOptionsError(`--output "${file}" is a folder: give a file path such as bench/results/latest.json`);
  }

  const missing: string[] = [];
  let folder = path.dirname(target);
  let found = await stat(folder).catch(() => undefined);
  while (found === undefined && path.dirname(folder) !== folder) {
    missing.unshift(folder);
    folder = path.dirname(folder);
    found = await stat(folder).catch(() => undefined);
  }
  if (found !== undefined && !found.isDirectory()) {
    throw new BenchOptionsError(`--output "${file}" cannot be written: ${folder} is a file, not a folder; give a path in a writable folder`);
  }
  try {
    for (const level of missing) {
      await mkdir(level);
    }
    await access(path.dirname(target), constants.W_OK);
  } catch (error) {
    throw new BenchOptionsError(`--output "${file}" cannot be written: ${(error as Error).message}; give a path in a writable folder`);
  }
}

export async function writeResults(file: string, rows: readonly ScenarioRow[], options: unknown, tools: Record<string, string>): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const document = { date: new Date().toISOString(), machine: machineInfo(), tools, options, rows };
  await writeFile(file, `${JSON.stringify(document, null, 2)}\n`);
}

/** Formats whether a target was met: a blank dash when the row has no target. */
function formatMet(met: boolean | undefined): string {
  if (met === undefined) {
    return '—';
  }
  return met ? 'yes' : 'NO';
}
