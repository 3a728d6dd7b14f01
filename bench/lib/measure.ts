/** Timing loops and statistics shared by the benchmarks. */

export interface LoopOptions {
  /** Concurrent callers, each calling `fn` again as soon as its last call returns. */
  callers?: number;
  /** Seconds of calls that are made but not counted (JIT, caches, pool connections). */
  warmupSeconds?: number;
  /** Seconds of counted calls. */
  seconds: number;
  /** Stop early once this many calls have been counted. */
  maxCalls?: number;
}

export interface LoopResult {
  /** Sum of what the counted calls returned (their operation counts). */
  ops: number;
  calls: number;
  /** Wall time of the counted window. */
  elapsedMs: number;
  /** Duration of each counted call, in ms. */
  latencies: number[];
  opsPerSecond: number;
}

/**
 * Runs `fn(caller)` in a loop on every caller until the time is up; `fn` returns how many
 * operations the call did. A call counts when it starts inside the measured window; the
 * window closes when the last counted call returns, so nothing counted is cut off.
 */
export async function loop(options: LoopOptions, fn: (caller: number) => Promise<number>): Promise<LoopResult> {
  const callers = options.callers ?? 1;
  const started = performance.now();
  const measureFrom = started + (options.warmupSeconds ?? 0) * 1000;
  const stopAt = measureFrom + options.seconds * 1000;
  let ops = 0;
  let calls = 0;
  let firstCountedStart = Infinity;
  let lastCountedEnd = measureFrom;
  const latencies: number[] = [];
  const done = () => performance.now() >= stopAt || (options.maxCalls !== undefined && calls >= options.maxCalls);
  await Promise.all(
    Array.from({ length: callers }, async (_, caller) => {
      while (!done()) {
        const t0 = performance.now();
        const n = await fn(caller);
        const t1 = performance.now();
        if (t0 >= measureFrom) {
          ops += n;
          calls++;
          latencies.push(t1 - t0);
          firstCountedStart = Math.min(firstCountedStart, t0);
          lastCountedEnd = Math.max(lastCountedEnd, t1);
        }
      }
    }),
  );
  const elapsedMs = calls > 0 ? lastCountedEnd - firstCountedStart : 0;
  return { ops, calls, elapsedMs, latencies, opsPerSecond: elapsedMs > 0 ? (ops * 1000) / elapsedMs : 0 };
}

/** Nearest-rank percentile (p in 0..100) of unsorted samples. */
export function percentile(samples: number[], p: number): number {
  if (samples.length === 0) return NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

/** ops_per_s, p50_ms and p99_ms of a loop, rounded for printing. */
export function summary(result: LoopResult): { ops_per_s: number; p50_ms: number; p99_ms: number } {
  return {
    ops_per_s: Math.round(result.opsPerSecond),
    p50_ms: round(percentile(result.latencies, 50)),
    p99_ms: round(percentile(result.latencies, 99)),
  };
}

export const round = (x: number, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;

/** mulberry32: small, fast and deterministic, so two runs post the same transfers. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A stable seed from a benchmark name. */
export function seedOf(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}
