import path from 'node:path';

/** Everything the server reads from its environment, validated once at start. */
export interface Config {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string | null;
  redisUrl: string | null;
  /** EMBEDDED_PG_PORT: the embedded PostgreSQL's port instead of the one chosen at first start. */
  embeddedPgPort: number | null;
  /** Session signing secrets: the first signs, all verify (rotation); null = generated into DATA_DIR. */
  jwtSecrets: string[] | null;
  jwtAccessTtlSeconds: number;
  bodyLimitBytes: number;
  idempotencyTtlSeconds: number;
  keyCacheTtlMs: number;
  rateLimitPerMinute: number;
  /** Sign-up and log-in attempts a minute from one client address, and for one email. */
  publicPerMinutePerAddress: number;
  publicPerMinutePerEmail: number;
  logLevel: string;
  /** The environment this was read from: each surface reads its own settings from it (its manifest's `settings`). */
  env: Readonly<Env>;
}

export class ConfigError extends Error {}

export type Env = Record<string, string | undefined>;

/** A whole number from the environment, within [min, max]; `fallback` when unset. */
export function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(`${name} must be a whole number, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(`${name} must be between ${min} and ${max}, got ${raw}`);
  return value;
}

/** A URL of one of `protocols` from the environment; null when unset. */
export function url(env: Env, name: string, protocols: string[]): string | null {
  const raw = env[name];
  if (raw === undefined || raw === '') return null;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(`${name} is not a valid URL`);
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(`${name} must start with ${protocols.map((p) => p + '//').join(' or ')}`);
  }
  return raw;
}

/** An http(s) origin: the Stripe SDK takes a host, port and protocol, never a path. */
export function origin(env: Env, name: string): string | null {
  const raw = url(env, name, ['http:', 'https:']);
  if (raw === null) return null;
  const parsed = new URL(raw);
  if (parsed.pathname !== '/' || parsed.search || parsed.hash || parsed.username || parsed.password) {
    throw new ConfigError(`${name} must be an origin like https://api.stripe.com, without a path`);
  }
  return parsed.origin;
}

export const MIN_SECRET_LENGTH = 32;

/** JWT_SECRET (one) or JWT_SECRETS (comma-separated: the first signs, all verify). */
function sessionSecrets(env: Env): string[] | null {
  if (env.JWT_SECRET !== undefined && env.JWT_SECRETS !== undefined) throw new ConfigError('set JWT_SECRET or JWT_SECRETS, not both');
  const [name, raw] = env.JWT_SECRETS !== undefined ? ['JWT_SECRETS', env.JWT_SECRETS] : ['JWT_SECRET', env.JWT_SECRET];
  if (raw === undefined) return null;
  const secrets = name === 'JWT_SECRETS' ? raw.split(',').map((s) => s.trim()) : [raw];
  secrets.forEach((secret, i) => {
    if (secret.length < MIN_SECRET_LENGTH) {
      const which = name === 'JWT_SECRETS' ? `JWT_SECRETS entry ${i + 1}` : 'JWT_SECRET';
      throw new ConfigError(`${which} must be at least ${MIN_SECRET_LENGTH} characters${secret.length === 0 ? ', got an empty value' : ''}`);
    }
  });
  return secrets;
}

export function loadConfig(env: Env = process.env): Config {
  const logLevel = env.LOG_LEVEL ?? 'info';
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(logLevel)) {
    throw new ConfigError(`LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent`);
  }
  const jwtSecrets = sessionSecrets(env);
  return {
    port: integer(env, 'PORT', 3000, 0, 65535),
    host: env.HOST || '0.0.0.0',
    dataDir: path.resolve(env.DATA_DIR || './data'),
    databaseUrl: url(env, 'DATABASE_URL', ['postgres:', 'postgresql:']),
    redisUrl: url(env, 'REDIS_URL', ['redis:', 'rediss:']),
    embeddedPgPort: env.EMBEDDED_PG_PORT ? integer(env, 'EMBEDDED_PG_PORT', 0, 1, 65535) : null,
    jwtSecrets,
    jwtAccessTtlSeconds: integer(env, 'JWT_ACCESS_TTL_SECONDS', 3600, 1, 31 * 24 * 3600),
    bodyLimitBytes: integer(env, 'BODY_LIMIT_BYTES', 1024 * 1024, 1024, 100 * 1024 * 1024),
    idempotencyTtlSeconds: integer(env, 'IDEMPOTENCY_TTL_SECONDS', 24 * 3600, 60, 30 * 24 * 3600),
    keyCacheTtlMs: integer(env, 'KEY_CACHE_TTL_MS', 5000, 0, 600_000),
    rateLimitPerMinute: integer(env, 'RATE_LIMIT_PER_MINUTE', 1000, 1, 10_000_000),
    publicPerMinutePerAddress: integer(env, 'AUTH_RATE_PER_MINUTE_PER_ADDRESS', 60, 1, 10_000_000),
    publicPerMinutePerEmail: integer(env, 'AUTH_RATE_PER_MINUTE_PER_EMAIL', 10, 1, 10_000_000),
    logLevel,
    env: { ...env },
  };
}
