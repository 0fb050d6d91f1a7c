/**
 * Flags of `npm run bench`. Each size flag can also be set by an environment
 * variable, such as `TAGKEEPER_BENCH_RESOLVE_TAGS=200`; a flag wins over it.
 */
import { parseArgs } from 'node:util';

import { BenchOptionsError } from './errors.js';

/** Names of the scenarios, in the order they run. */
export const SCENARIO_NAMES = ['resolve', 'resolve-skopeo', 'list', 'publish', 'copy', 'audit', 'pin', 'tagset', 'token'] as const;

/** A scenario name. */
export type ScenarioName = (typeof SCENARIO_NAMES)[number];

/** Settings of one benchmark run. */
export interface BenchOptions {
  /** Scenarios to run; default all. */
  only: ScenarioName[];
  /** Measured runs per side. */
  runs: number;
  /** Unmeasured runs per side before measuring. */
  warmup: number;
  /** Requests in flight for tagkeeper and for the bare loops it is compared with. */
  concurrency: number;
  resolveTags: number;
  /** Rolling tags that `skopeo inspect` runs on; the time per tag is extrapolated. */
  skopeoSample: number;
  listTags: number;
  auditRepositories: number;
  auditTags: number;
  pinImages: number;
  /** Size of the copied layer in MiB. */
  layerMib: number;
  /** Tag counts of the pure-CPU tag set scenario. */
  tagsetSizes: number[];
  /** File the results are written to. */
  output: string;
}

/** Numeric flags: flag name, environment variable, default, least value. */
const NUMBERS = {
  runs: ['runs', 'TAGKEEPER_BENCH_RUNS', 3, 1],
  warmup: ['warmup', 'TAGKEEPER_BENCH_WARMUP', 1, 0],
  concurrency: ['concurrency', 'TAGKEEPER_BENCH_CONCURRENCY', 8, 1],
  resolveTags: ['resolve-tags', 'TAGKEEPER_BENCH_RESOLVE_TAGS', 1000, 2],
  skopeoSample: ['skopeo-sample', 'TAGKEEPER_BENCH_SKOPEO_SAMPLE', 20, 1],
  listTags: ['list-tags', 'TAGKEEPER_BENCH_LIST_TAGS', 10_000, 1],
  auditRepositories: ['audit-repositories', 'TAGKEEPER_BENCH_AUDIT_REPOSITORIES', 50, 1],
  auditTags: ['audit-tags', 'TAGKEEPER_BENCH_AUDIT_TAGS', 200, 7],
  pinImages: ['pin-images', 'TAGKEEPER_BENCH_PIN_IMAGES', 100, 1],
  layerMib: ['layer-mib', 'TAGKEEPER_BENCH_LAYER_MIB', 64, 1],
} as const satisfies Record<string, readonly [string, string, number, number]>;

/** Layer size of `--large`, in MiB. */
export const LARGE_LAYER_MIB = 512;

/** Usage text printed by `--help`. */
export const USAGE = `Usage: npm run bench -- [options]

  --only NAMES             comma-separated scenarios (${SCENARIO_NAMES.join(', ')})
  --runs N                 measured runs per side (default 3; tagset runs at least 5)
  --warmup N               unmeasured runs per side first (default 1; tagset at least 1)
  --concurrency N          requests in flight, tagkeeper and bare loops alike (default 8)
  --resolve-tags N         rolling tags resolved (default 1000)
  --skopeo-sample N        rolling tags inspected with skopeo, extrapolated per tag (default 20)
  --list-tags N            tags of the listed repository (default 10000)
  --audit-repositories N   repositories audited (default 50)
  --audit-tags N           tags per audited repository (default 200)
  --pin-images N           images in the pinned values file (default 100)
  --layer-mib N            size of the copied layer in MiB (default 64)
  --large                  copy a ${LARGE_LAYER_MIB} MiB layer (same as --layer-mib ${LARGE_LAYER_MIB})
  --tagset-sizes LIST      tag counts of the CPU scenario (default 1000,10000,100000)
  --output FILE            results file (default bench/results/latest.json)

Environment: TAGKEEPER_BENCH_<FLAG> sets a numeric flag or --tagset-sizes that
is not given, such as TAGKEEPER_BENCH_RUNS=5 or TAGKEEPER_BENCH_TAGSET_SIZES=1000,10000.

Exit status: 0 when every scenario ran, even when a target was missed (the
table says so), 1 when a scenario failed, 2 for a bad flag or output path.`;

/**
 * Parses the command line and environment. Returns undefined for `--help`.
 *
 * @throws BenchOptionsError for an unknown flag or scenario, or a value that is not a whole number in range.
 */
export function parseBenchOptions(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): BenchOptions | undefined {
  const numberFlags = Object.fromEntries(Object.values(NUMBERS).map(([flag]) => [flag, { type: 'string' as const }]));
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        ...numberFlags,
        only: { type: 'string' },
        large: { type: 'boolean' },
        'tagset-sizes': { type: 'string' },
        output: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    // Node's messages can span lines (an ambiguous `--runs -1`), and an error here is one line.
    const message = (error as Error).message.replace(/\s*\n\s*/g, ' ').replace(/\.$/, '');
    throw new BenchOptionsError(`${message}; run "npm run bench -- --help" for the flags`);
  }
  if (values.help === true) return undefined;

  const numbers = {} as Record<keyof typeof NUMBERS, number>;
  for (const [key, [flag, variable, fallback, least]] of Object.entries(NUMBERS)) {
    numbers[key as keyof typeof NUMBERS] = readNumber(values[flag] as string | undefined, env[variable], `--${flag}`, variable, fallback, least);
  }
  if (values.large === true) numbers.layerMib = LARGE_LAYER_MIB;

  return {
    ...numbers,
    only: parseOnly(values.only as string | undefined),
    tagsetSizes: parseTagsetSizes(values['tagset-sizes'] as string | undefined, env.TAGKEEPER_BENCH_TAGSET_SIZES),
    output: parseOutput(values.output as string | undefined),
  };
}

function parseOutput(text: string | undefined): string {
  if (text === undefined) return 'bench/results/latest.json';
  if (text.trim() === '') throw new BenchOptionsError('--output is empty: give a file path such as bench/results/latest.json');
  return text;
}

function readNumber(flagValue: string | undefined, envValue: string | undefined, flag: string, variable: string, fallback: number, least: number): number {
  const [text, source] = flagValue !== undefined ? [flagValue, flag] : envValue !== undefined && envValue !== '' ? [envValue, variable] : [undefined, ''];
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(value) || value < least) {
    throw new BenchOptionsError(`${source} "${text}" is invalid: give a whole number of at least ${least}`);
  }
  return value;
}

function parseOnly(text: string | undefined): ScenarioName[] {
  if (text === undefined) return [...SCENARIO_NAMES];
  const names = text.split(',').map((name) => name.trim()).filter(Boolean);
  for (const name of names) {
    if (!(SCENARIO_NAMES as readonly string[]).includes(name)) {
      throw new BenchOptionsError(`--only "${name}" is not a scenario: use one or more of ${SCENARIO_NAMES.join(', ')}`);
    }
  }
  if (names.length === 0) throw new BenchOptionsError(`--only is empty: name one or more of ${SCENARIO_NAMES.join(', ')}`);
  return SCENARIO_NAMES.filter((name) => names.includes(name));
}

function parseTagsetSizes(flagValue: string | undefined, envValue: string | undefined): number[] {
  const [text, source] = flagValue !== undefined ? [flagValue, '--tagset-sizes'] : [envValue, 'TAGKEEPER_BENCH_TAGSET_SIZES'];
  if (text === undefined || text === '') return [1000, 10_000, 100_000];
  return text.split(',').map((part) => {
    const value = Number(part.trim());
    if (!/^\d+$/.test(part.trim()) || !Number.isSafeInteger(value) || value < 10) {
      throw new BenchOptionsError(`${source} entry "${part}" is invalid: give whole numbers of at least 10, such as 1000,10000`);
    }
    return value;
  });
}
