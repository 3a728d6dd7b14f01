import { readFileSync, readdirSync } from 'node:fs';

/**
 * CPU time spent, for benchmarks run on a busy machine: there a rate measures the share of
 * the CPUs the run got as much as the code, while CPU time per operation moves much less.
 * `serverMs` is this process's main thread (the server; HTTP clients run in worker threads),
 * `databaseMs` every process this one started and their children, finished ones included
 * (the embedded PostgreSQL: its postmaster and backends), or the postmaster named by
 * KONTOR_BENCH_EMBEDDED_PID and its children. Linux only (/proc); null elsewhere.
 */
export interface CpuTimes {
  serverMs: number;
  databaseMs: number;
}

const TICK_MS = 10; // USER_HZ is 100 on every Linux this runs on

/** utime, stime, cutime, cstime (ms) and ppid from a /proc stat line (the command may hold spaces and parentheses). */
function statOf(path: string): { ppid: number; own: number; children: number } | null {
  try {
    const text = readFileSync(path, 'utf8');
    const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
    // After the command: state(0) ppid(1) … utime(11) stime(12) cutime(13) cstime(14).
    return { ppid: Number(f[1]), own: (Number(f[11]) + Number(f[12])) * TICK_MS, children: (Number(f[13]) + Number(f[14])) * TICK_MS };
  } catch {
    return null;
  }
}

export function cpuTimes(): CpuTimes | null {
  if (process.platform !== 'linux') return null;
  const main = statOf(`/proc/${process.pid}/task/${process.pid}/stat`);
  if (!main) return null;
  const byParent = new Map<number, { pid: number; own: number; children: number }[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const s = statOf(`/proc/${name}/stat`);
    if (!s) continue;
    const list = byParent.get(s.ppid) ?? [];
    list.push({ pid: Number(name), own: s.own, children: s.children });
    byParent.set(s.ppid, list);
  }
  let databaseMs = 0;
  const walk = (pid: number) => {
    for (const c of byParent.get(pid) ?? []) {
      databaseMs += c.own + c.children;
      walk(c.pid);
    }
  };
  // A benchmark in a process of its own (bench/run.ts) is told the run's postmaster.
  const postmaster = Number(process.env.KONTOR_BENCH_EMBEDDED_PID);
  if (postmaster > 0) {
    const s = statOf(`/proc/${postmaster}/stat`);
    databaseMs += s ? s.own + s.children : 0;
    walk(postmaster);
  } else {
    walk(process.pid);
  }
  return { serverMs: main.own, databaseMs };
}

/**
 * CPU ms per `per` operations between two readings (`label` names `per`: `1k` gives
 * `server_cpu_ms_per_1k` and `db_cpu_ms_per_1k`). The database's figure only means something
 * on the embedded PostgreSQL, which this process started; elsewhere it is left out.
 */
export function cpuPer(before: CpuTimes | null, after: CpuTimes | null, operations: number, per: number, label: string, withDatabase: boolean): Record<string, number> {
  if (!before || !after || operations === 0) return {};
  const scale = per / operations;
  const out: Record<string, number> = { [`server_cpu_ms_per_${label}`]: Math.round((after.serverMs - before.serverMs) * scale * 100) / 100 };
  if (withDatabase) out[`db_cpu_ms_per_${label}`] = Math.round((after.databaseMs - before.databaseMs) * scale * 100) / 100;
  return out;
}
