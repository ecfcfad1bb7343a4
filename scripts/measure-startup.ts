/**
 * Time to healthy of `npm start`: spawns it (fresh in memory, and with a data folder: a first start that
 * seeds, then restarts that must find the data), polls GET /health until 200, stops it with SIGINT as
 * Ctrl-C would, and checks that no child (DynamoDB Local's java, the SQS server, tsx) is left behind.
 * Prints a table and writes bench/results/startup.json. Exits non-zero if the median misses the target,
 * a restart lost data, or a process was left over.
 *
 *   npx tsx scripts/measure-startup.ts [--runs 3]
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../infra/local/free-port';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const runsArg = process.argv.indexOf('--runs');
const runs = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 3;
const targetMs = 15_000;
const healthTimeoutMs = 60_000;

interface RunResult {
  healthyMs: number;
  stoppedMs: number;
  /** "demo data: N items written, M already there", as the stack reported it. */
  seeded: { written: number; kept: number } | undefined;
  leftovers: string[];
}

async function measureOnce(env: Record<string, string>): Promise<RunResult> {
  const httpPort = await freePort();
  const wsPort = await freePort();
  const started = performance.now();
  // Its own process group, so SIGINT reaches npm, tsx, node and java together, exactly as Ctrl-C does.
  const child = spawn('npm', ['start', '--silent'], {
    cwd: repoRoot,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env, PORT: String(httpPort), WS_PORT: String(wsPort), POWERTOOLS_LOG_LEVEL: 'WARN' },
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()));

  try {
    const healthyMs = await waitForHealthy(`http://127.0.0.1:${httpPort}/health`, started, child);
    const seededMatch = /demo data: (\d+) items written, (\d+) already there/.exec(output);
    const stopStarted = performance.now();
    process.kill(-child.pid!, 'SIGINT');
    const stoppedInTime = await Promise.race([exited.then(() => true), sleep(20_000).then(() => false)]);
    const stoppedMs = performance.now() - stopStarted;
    await sleep(300);
    const leftovers = processesInGroup(child.pid!);
    if (!stoppedInTime) leftovers.push('npm start did not exit within 20 s of SIGINT');
    return {
      healthyMs: Math.round(healthyMs),
      stoppedMs: Math.round(stoppedMs),
      seeded: seededMatch ? { written: Number(seededMatch[1]), kept: Number(seededMatch[2]) } : undefined,
      leftovers,
    };
  } catch (error) {
    console.error(output);
    throw error;
  } finally {
    // Whatever happened above, nothing of this run may survive it.
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

async function waitForHealthy(url: string, started: number, child: ChildProcess): Promise<number> {
  while (performance.now() - started < healthTimeoutMs) {
    if (child.exitCode !== null) throw new Error(`npm start exited with ${child.exitCode} before it was healthy`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
      await response.arrayBuffer();
      if (response.status === 200) return performance.now() - started;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(`not healthy within ${healthTimeoutMs / 1000} s`);
}

/** Every process still in the run's process group (java included: it is spawned into the same group). */
function processesInGroup(groupId: number): string[] {
  const table = execFileSync('ps', ['-eo', 'pid=,pgid=,args='], { encoding: 'utf8' });
  return table
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter(([pid, pgid]) => pgid === String(groupId) && pid !== String(process.pid))
    .map(([pid, , ...args]) => `${pid} ${args.join(' ').slice(0, 120)}`);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'kefu-startup-'));
  const results: Record<'inMemory' | 'persistent', RunResult[]> = { inMemory: [], persistent: [] };
  try {
    for (let i = 0; i < runs; i += 1) {
      results.inMemory.push(await measureOnce({ KEFU_IN_MEMORY: '1' }));
      console.log(`in memory   run ${i + 1}: healthy in ${results.inMemory.at(-1)?.healthyMs} ms`);
    }
    for (let i = 0; i < runs; i += 1) {
      results.persistent.push(await measureOnce({ KEFU_IN_MEMORY: '', KEFU_DATA_DIR: dataDir }));
      const run = results.persistent.at(-1);
      console.log(`persistent  run ${i + 1}: healthy in ${run?.healthyMs} ms (${i === 0 ? 'first start' : 'restart'}, seed wrote ${run?.seeded?.written})`);
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }

  const summary = (list: RunResult[]) => ({
    medianHealthyMs: median(list.map((r) => r.healthyMs)),
    healthyMs: list.map((r) => r.healthyMs),
    medianStopMs: median(list.map((r) => r.stoppedMs)),
  });
  const leftovers = [...results.inMemory, ...results.persistent].flatMap((r) => r.leftovers);
  // A restart must find every seeded item (nothing written again) if data persists.
  const restarts = results.persistent.slice(1);
  const persisted = restarts.length > 0 && restarts.every((r) => r.seeded?.written === 0 && (r.seeded?.kept ?? 0) > 0);
  const report = {
    measuredAt: new Date().toISOString(),
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model, node: process.version },
    command: 'npm start',
    runsPerMode: runs,
    targetMs,
    inMemory: summary(results.inMemory),
    persistent: { ...summary(results.persistent), firstStartMs: results.persistent[0]?.healthyMs, dataKeptAcrossRestarts: persisted },
    leftoverProcesses: leftovers,
  };

  const out = resolve(repoRoot, 'bench/results/startup.json');
  mkdirSync(resolve(out, '..'), { recursive: true });
  writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);

  const ok = report.inMemory.medianHealthyMs <= targetMs && report.persistent.medianHealthyMs <= targetMs && persisted && leftovers.length === 0;
  console.log(
    [
      '',
      `time to healthy (median of ${runs}), target ${targetMs / 1000} s:`,
      `  in memory   ${(report.inMemory.medianHealthyMs / 1000).toFixed(1)} s`,
      `  persistent  ${(report.persistent.medianHealthyMs / 1000).toFixed(1)} s (data kept across restarts: ${persisted ? 'yes' : 'NO'})`,
      `  stop        ${(report.inMemory.medianStopMs / 1000).toFixed(1)} s; processes left after SIGINT: ${leftovers.length === 0 ? 'none' : leftovers.join('; ')}`,
      `written to ${out}`,
      ok ? 'OK' : 'FAILED',
    ].join('\n'),
  );
  process.exit(ok ? 0 : 1);
}

await main();
