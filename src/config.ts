import { isIP } from 'node:net';
import path from 'node:path';
import { z } from 'zod';
import { AllowListError, parseAllowList } from './net/endpoint-policy';

/** A proxy address express's `trust proxy` understands: an IP, a CIDR, or loopback / linklocal / uniquelocal. */
function isProxyAddress(entry: string): boolean {
  if (entry === 'loopback' || entry === 'linklocal' || entry === 'uniquelocal') return true;
  const [ip, prefix, extra] = entry.split('/');
  if (extra !== undefined || !ip) return false;
  const family = isIP(ip);
  if (family === 0) return false;
  if (prefix === undefined) return true;
  // A prefix length, or (IPv4) a netmask such as 255.255.255.0.
  if (/^\d{1,3}$/.test(prefix)) return Number(prefix) <= (family === 4 ? 32 : 128);
  return family === 4 && isIP(prefix) === 4;
}

/**
 * Configuration, parsed once from the environment. Every variable is listed in
 * the README's configuration table; a bad value stops the program with a clear
 * message naming the variable.
 */
const schema = z.object({
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional(),
  EVENTSTORE_CONNECTION_STRING: z
    .string()
    .regex(/^(esdb|kurrentdb|kdb)(\+discover)?:\/\//, 'must be an esdb:// (or kurrentdb://) connection string')
    .optional(),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('0.0.0.0'),
  ROSTER_DATA_DIR: z.string().min(1).default('./.roster'),
  ROSTER_PG_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
  ROSTER_ADMIN_CLIENT_ID: z.string().min(1).optional(),
  ROSTER_ADMIN_CLIENT_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
  ROSTER_PUBLIC_URL: z.url().optional(),
  ROSTER_TRUSTED_LOCATION_HEADER: z.string().min(1).optional(),
  ROSTER_IMPORT_MAX_BYTES: z.coerce.number().int().positive().optional(),
  // The password library verifies bcrypt costs up to 14 (see src/passwords); upgraded hashes must stay verifiable.
  ROSTER_BCRYPT_COST: z.coerce.number().int().min(4).max(14).default(10),
  ROSTER_SIGNIN_MAX_FAILURES: z.coerce.number().int().positive().default(10),
  ROSTER_SIGNIN_WINDOW_SECONDS: z.coerce.number().int().positive().default(900),
  ROSTER_TOKEN_MAX_FAILURES: z.coerce.number().int().positive().default(10),
  ROSTER_TOKEN_WINDOW_SECONDS: z.coerce.number().int().positive().default(900),
  ROSTER_TRUSTED_PROXIES: z
    .string()
    .refine(
      (v) =>
        v
          .split(',')
          .map((e) => e.trim())
          .filter(Boolean)
          .every(isProxyAddress),
      'must be comma-separated IP addresses or CIDRs (or loopback, linklocal, uniquelocal)',
    )
    .optional(),
  ROSTER_WEBHOOK_ALLOWED_HOSTS: z.string().optional(),
  ROSTER_SECRET_KEY: z.string().min(32, 'must be at least 32 characters (for example: openssl rand -base64 32)').optional(),
  ROSTER_WEBHOOK_RETRY_HOURS: z.coerce.number().positive().default(72),
  ROSTER_ADMIN_IDLE_MINUTES: z.coerce.number().int().min(1).max(1440).default(30),
});

export type Env = z.infer<typeof schema>;

export interface Config {
  readonly databaseUrl?: string;
  readonly eventStoreConnectionString?: string;
  readonly port: number;
  readonly host: string;
  readonly dataDir: string;
  readonly pgPort?: number;
  readonly logLevel: Env['LOG_LEVEL'];
  readonly adminClient?: { readonly id: string; readonly secret: string };
  readonly publicUrl?: string;
  readonly trustedLocationHeader?: string;
  readonly importMaxBytes?: number;
  readonly bcryptCost: number;
  readonly signIn: { readonly maxFailures: number; readonly windowSeconds: number };
  /** Failed client authentications at POST /oauth2/token, per client id and per IP. */
  readonly tokenThrottle: { readonly maxFailures: number; readonly windowSeconds: number };
  /** Peers whose X-Forwarded-For is believed (unset: nobody's). */
  readonly trustedProxies?: readonly string[];
  readonly webhooks: { readonly allowedHosts?: readonly string[]; readonly retryHours: number };
  /** Admin console sessions end after this many minutes without a request. */
  readonly adminIdleMinutes: number;
  /** Encrypts signing keys at rest; unset: a key file in the data directory (src/secrets). */
  readonly secretKey?: string;
}

export class ConfigError extends Error {
  readonly code = 'INVALID_CONFIGURATION';
}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  // Empty strings count as unset, as in most twelve-factor tools.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  if ((e.ROSTER_ADMIN_CLIENT_ID === undefined) !== (e.ROSTER_ADMIN_CLIENT_SECRET === undefined)) {
    throw new ConfigError('Invalid configuration:\n  ROSTER_ADMIN_CLIENT_ID and ROSTER_ADMIN_CLIENT_SECRET must be set together');
  }
  const allowedHosts = e.ROSTER_WEBHOOK_ALLOWED_HOSTS?.split(',')
    .map((h) => h.trim().toLowerCase())
    .filter(Boolean);
  try {
    parseAllowList(allowedHosts);
  } catch (err) {
    if (err instanceof AllowListError) throw new ConfigError(`Invalid configuration:\n  ROSTER_WEBHOOK_ALLOWED_HOSTS: ${err.message}`);
    throw err;
  }
  return {
    databaseUrl: e.DATABASE_URL,
    eventStoreConnectionString: e.EVENTSTORE_CONNECTION_STRING,
    port: e.PORT,
    host: e.HOST,
    dataDir: path.resolve(e.ROSTER_DATA_DIR),
    pgPort: e.ROSTER_PG_PORT,
    logLevel: e.LOG_LEVEL,
    adminClient: e.ROSTER_ADMIN_CLIENT_ID && e.ROSTER_ADMIN_CLIENT_SECRET ? { id: e.ROSTER_ADMIN_CLIENT_ID, secret: e.ROSTER_ADMIN_CLIENT_SECRET } : undefined,
    publicUrl: e.ROSTER_PUBLIC_URL,
    trustedLocationHeader: e.ROSTER_TRUSTED_LOCATION_HEADER?.toLowerCase(),
    importMaxBytes: e.ROSTER_IMPORT_MAX_BYTES,
    bcryptCost: e.ROSTER_BCRYPT_COST,
    signIn: { maxFailures: e.ROSTER_SIGNIN_MAX_FAILURES, windowSeconds: e.ROSTER_SIGNIN_WINDOW_SECONDS },
    tokenThrottle: { maxFailures: e.ROSTER_TOKEN_MAX_FAILURES, windowSeconds: e.ROSTER_TOKEN_WINDOW_SECONDS },
    trustedProxies: e.ROSTER_TRUSTED_PROXIES?.split(',')
      .map((p) => p.trim())
      .filter(Boolean),
    webhooks: {
      allowedHosts,
      retryHours: e.ROSTER_WEBHOOK_RETRY_HOURS,
    },
    adminIdleMinutes: e.ROSTER_ADMIN_IDLE_MINUTES,
    secretKey: e.ROSTER_SECRET_KEY,
  };
}
