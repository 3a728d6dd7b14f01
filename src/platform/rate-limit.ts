import type { Redis } from 'ioredis';

export interface RateDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Milliseconds until the allowance is whole again. */
  resetMs: number;
  /** Milliseconds until one more request is allowed (0 when allowed). */
  retryAfterMs: number;
}

export interface RateLimiter {
  /** Takes one request from `key`'s allowance of `limit` per `windowMs` (GCRA: smooth, no window edges). */
  take(key: string, limit: number, windowMs: number, nowMs: number): Promise<RateDecision>;
  close(): Promise<void>;
}

function decide(tat: number, limit: number, windowMs: number, now: number): { decision: RateDecision; newTat: number } {
  const interval = windowMs / limit;
  const start = Math.max(tat, now);
  const newTat = start + interval;
  const allowAt = newTat - windowMs;
  if (allowAt > now) {
    return {
      newTat: tat,
      decision: { allowed: false, limit, remaining: 0, resetMs: Math.ceil(start - now), retryAfterMs: Math.ceil(allowAt - now) },
    };
  }
  return {
    newTat,
    decision: {
      allowed: true,
      limit,
      remaining: Math.max(0, Math.floor((now + windowMs - newTat) / interval)),
      resetMs: Math.ceil(newTat - now),
      retryAfterMs: 0,
    },
  };
}

/** One process's limits; fine for a single instance. */
export class MemoryRateLimiter implements RateLimiter {
  private tats = new Map<string, number>();
  async take(key: string, limit: number, windowMs: number, now: number): Promise<RateDecision> {
    const { decision, newTat } = decide(this.tats.get(key) ?? 0, limit, windowMs, now);
    this.tats.set(key, newTat);
    if (this.tats.size > 100_000) {
      for (const [k, t] of this.tats) if (t < now) this.tats.delete(k);
    }
    return decision;
  }
  async close(): Promise<void> {}
}

// The same arithmetic as `decide`, atomically in Redis: one theoretical-arrival-time per key.
const GCRA_LUA = `
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local interval = window / limit
local start = math.max(tat, now)
local new_tat = start + interval
local allow_at = new_tat - window
if allow_at > now then
  return {0, 0, math.ceil(start - now), math.ceil(allow_at - now)}
end
redis.call('SET', KEYS[1], tostring(new_tat), 'PX', math.ceil(new_tat - now) + 1000)
return {1, math.max(0, math.floor((now + window - new_tat) / interval)), math.ceil(new_tat - now), 0}
`;

/** Limits shared by every instance through Redis. */
export class RedisRateLimiter implements RateLimiter {
  constructor(
    private readonly redis: Redis,
    private readonly prefix = 'kontor:rl:',
  ) {
    redis.defineCommand('kontorGcra', { numberOfKeys: 1, lua: GCRA_LUA });
  }
  async take(key: string, limit: number, windowMs: number, now: number): Promise<RateDecision> {
    const [allowed, remaining, resetMs, retryAfterMs] = (await (this.redis as any).kontorGcra(
      this.prefix + key,
      limit,
      windowMs,
      now,
    )) as number[];
    return { allowed: allowed === 1, limit, remaining, resetMs, retryAfterMs };
  }
  async close(): Promise<void> {}
}

/** The headers every surface sends: the common X-RateLimit trio and the IETF pair. */
export function rateLimitHeaders(d: RateDecision, windowMs: number): Record<string, string> {
  const reset = Math.ceil(d.resetMs / 1000);
  const headers: Record<string, string> = {
    'x-ratelimit-limit': String(d.limit),
    'x-ratelimit-remaining': String(d.remaining),
    'x-ratelimit-reset': String(reset),
    'ratelimit-policy': `"default";q=${d.limit};w=${Math.round(windowMs / 1000)}`,
    ratelimit: `"default";r=${d.remaining};t=${reset}`,
  };
  if (!d.allowed) headers['retry-after'] = String(Math.max(1, Math.ceil(d.retryAfterMs / 1000)));
  return headers;
}
