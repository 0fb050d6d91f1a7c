/**
 * `npm run bench`: starts CNCF Distribution on loopback, fills it with
 * generated repositories, measures each scenario against a baseline run in
 * the same process, prints a table of medians and ratios, and writes the
 * results to bench/results/latest.json.
 */
import { isTagkeeperError } from '../src/errors.js';
import { findTool, runTool } from '../test/support/tools.js';
import { BenchContext } from './support/context.js';
import { parseBenchOptions, USAGE, type BenchOptions, type ScenarioName } from './support/options.js';
import { formatTable, notRun, prepareOutput, writeResults, type ScenarioRow } from './support/results.js';
import type { Scenario } from './scenarios/scenario.js';

/** Loads the module of scenario `name`. A module that cannot load (its product code missing) yields no scenario. */
async function loadScenario(name: ScenarioName): Promise<Scenario | Error> {
  try {
    const module = (await import(`./scenarios/${name}.js`)) as { scenario: Scenario };
    return module.scenario;
  } catch (error) {
    return error as Error;
  }
}

async function runScenarios(options: BenchOptions): Promise<ScenarioRow[]> {
  const context = new BenchContext(options);
  const rows: ScenarioRow[] = [];
  try {
    for (const name of options.only) {
      const scenario = await loadScenario(name);
      if (scenario instanceof Error) {
        rows.push(notRun(name, name, '—', `its module did not load: ${scenario.message}`));
        continue;
      }
      process.stderr.write(`bench: ${name}: ${scenario.work(context)}\n`);
      try {
        const started = Date.now();
        rows.push(...(await scenario.run(context)));
        process.stderr.write(`bench: ${name} done in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
      } catch (error) {
        // A failed scenario is reported in the table, and the others still run.
        process.stderr.write(`bench: ${name} failed: ${(error as Error).stack ?? String(error)}\n`);
        rows.push(notRun(name, scenario.work(context), scenario.target, `failed: ${(error as Error).message}`));
      }
    }
  } finally {
    await context.close();
  }
  return rows;
}

async function toolVersions(): Promise<Record<string, string>> {
  const versions: Record<string, string> = {};
  for (const [tool, args] of [['docker-registry', ['--version']], ['skopeo', ['--version']]] as const) {
    try {
      versions[tool] = (await runTool(await findTool(tool), args)).stdout.toString('utf8').trim();
    } catch (error) {
      versions[tool] = `unavailable: ${(error as Error).message}`;
    }
  }
  return versions;
}

async function main(): Promise<number> {
  let options: BenchOptions | undefined;
  try {
    options = parseBenchOptions(process.argv.slice(2));
    if (options !== undefined) {
      await prepareOutput(options.output);
    }
  } catch (error) {
    if (!isTagkeeperError(error)) throw error;
    process.stderr.write(`bench: ${error.message}\n`);
    return 2;
  }
  if (options === undefined) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }

  const rows = await runScenarios(options);
  process.stdout.write(`\n${formatTable(rows)}\n\n`);
  for (const row of rows) {
    for (const note of row.notes) process.stdout.write(`- ${row.scenario}: ${note}\n`);
  }
  await writeResults(options.output, rows, options, await toolVersions());
  process.stdout.write(`\nresults written to ${options.output}\n`);
  return rows.some((row) => row.status === 'not run') ? 1 : 0;
}

process.exitCode = await main();
