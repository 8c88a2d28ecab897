import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, fsyncSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import path from "node:path";
import { sleep } from "./stats.js";

/** A port nobody listens on right now (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface Child {
  process: ChildProcess;
  pid: number;
  /** Resolves with the exit code once the process has exited. */
  exited: Promise<number | null>;
}

/** Starts `node <args>` with stdout and stderr appended to a log file (never piped: the parent would pay for reading). */
export function spawnNode(options: { args: string[]; env: NodeJS.ProcessEnv; cwd: string; logFile: string }): Child {
  const log = openSync(options.logFile, "a");
  const child = spawn(process.execPath, options.args, { cwd: options.cwd, env: options.env, stdio: ["ignore", log, log] });
  closeSync(log);
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  if (child.pid === undefined) throw new Error(`could not start node ${options.args.join(" ")}`);
  return { process: child, pid: child.pid, exited };
}

/** GET until it answers `status`; returns the milliseconds waited. Polls every `intervalMs`. */
export async function waitForStatus(options: {
  port: number;
  path: string;
  status?: number;
  timeoutMs?: number;
  intervalMs?: number;
  child?: Child;
}): Promise<void> {
  const deadline = performance.now() + (options.timeoutMs ?? 60_000);
  let exitedWith: number | null | undefined;
  void options.child?.exited.then((code) => (exitedWith = code));
  for (;;) {
    const status = await getStatus(options.port, options.path).catch(() => 0);
    if (status === (options.status ?? 200)) return;
    if (exitedWith !== undefined) throw new Error(`the process exited (code ${exitedWith}) before ${options.path} answered`);
    if (performance.now() > deadline) throw new Error(`GET ${options.path} on port ${options.port} did not answer ${options.status ?? 200} in time`);
    await sleep(options.intervalMs ?? 10);
  }
}

function getStatus(port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = http.get({ host: "127.0.0.1", port, path, agent: false }, (response) => {
      response.resume();
      response.on("end", () => resolve(response.statusCode ?? 0));
    });
    request.on("error", reject);
    request.setTimeout(2_000, () => request.destroy(new Error("timeout")));
  });
}

/** Resident set size of a process in MiB (Linux /proc), or NaN where unavailable. */
export function rssMiB(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return match ? Number(match[1]) / 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** CPU time (user + system) a process has used so far, in ms (Linux /proc), or NaN. */
export function cpuTimeMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // Fields 14 and 15 (utime, stime) are at 11 and 12 after the command name; clock ticks are 100/s on Linux.
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return Number.NaN;
  }
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
export async function stopChild(child: Child, graceMs = 5_000): Promise<void> {
  if (child.process.exitCode !== null || child.process.signalCode !== null) return;
  child.process.kill("SIGTERM");
  const timer = setTimeout(() => child.process.kill("SIGKILL"), graceMs);
  await child.exited;
  clearTimeout(timer);
}

function cpuTimes(): { idle: number; total: number } | undefined {
  try {
    const line = readFileSync("/proc/stat", "utf8").split("\n")[0]!;
    const values = line.trim().split(/\s+/).slice(1).map(Number);
    const idle = (values[3] ?? 0) + (values[4] ?? 0);
    return { idle, total: values.reduce((sum, value) => sum + value, 0) };
  } catch {
    return undefined;
  }
}

/** Share of all cores busy (0..1) over the next `ms`, from /proc/stat; NaN where unavailable. */
export async function machineBusy(ms = 1_000): Promise<number> {
  const before = cpuTimes();
  await sleep(ms);
  const after = cpuTimes();
  if (!before || !after || after.total === before.total) return Number.NaN;
  return 1 - (after.idle - before.idle) / (after.total - before.total);
}

/**
 * Waits (at most `maxMs`) until the machine is quiet, i.e. other processes keep less than `threshold` of
 * the cores busy over a second; returns the last reading. Benchmarks on a shared box are otherwise noise.
 */
export async function waitForQuiet(options: { threshold: number; maxMs: number }): Promise<number> {
  const deadline = performance.now() + options.maxMs;
  let busy = await machineBusy();
  while (busy > options.threshold && performance.now() < deadline) busy = await machineBusy();
  return busy;
}

/**
 * A fixed single-threaded JavaScript workload, timed (median of 5): a yardstick for how fast this
 * machine is right now. On a shared host it moves with the neighbours; compare runs by it.
 */
export function cpuCalibrationMs(): number {
  const sample = { id: "msg_0123456789", role: "assistant", content: "Once upon a time there was a little cat.", usage: { promptTokens: 178, completionTokens: 200 } };
  const times: number[] = [];
  for (let round = 0; round < 5; round++) {
    const started = performance.now();
    let length = 0;
    for (let index = 0; index < 20_000; index++) length += (JSON.parse(JSON.stringify({ ...sample, index })) as { content: string }).content.length;
    times.push(performance.now() - started + (length < 0 ? 1 : 0));
  }
  return times.sort((a, b) => a - b)[2]!;
}

/** Median milliseconds of a 4 KiB write + fsync in `dir`: what one SQLite commit waits for here. */
export function fsyncLatencyMs(dir: string, samples = 40): number {
  const file = path.join(dir, `fsync-probe-${process.pid}.bin`);
  const fd = openSync(file, "w");
  const block = Buffer.alloc(4096, 1);
  const times: number[] = [];
  try {
    for (let index = 0; index < samples; index++) {
      const started = performance.now();
      writeSync(fd, block);
      fsyncSync(fd);
      times.push(performance.now() - started);
    }
  } finally {
    closeSync(fd);
    rmSync(file, { force: true });
  }
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)]!;
}
