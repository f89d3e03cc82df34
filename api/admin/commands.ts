import {
  ApiKeyNotFoundError,
  createApiKey,
  createTenant,
  listApiKeys,
  listTenants,
  revokeApiKey,
  TenantExistsError,
  TenantNotFoundError,
  apiKeyScopes,
  type ApiKeyScope,
} from '../../platform/api-keys';
import type { Sql } from '../../platform/database';
import { rotateSecrets, SecretKeyConfigError, secretKeyUsage, type SecretBox } from '../../platform/secrets';

/** `npm run admin -- …`: tenants and API keys. Parsing is separate from running so both are testable. */
export type AdminCommand =
  | { kind: 'tenant create'; name: string }
  | { kind: 'tenant list' }
  | { kind: 'key create'; tenant: string; name?: string; scope: ApiKeyScope; expiresInDays?: number }
  | { kind: 'key list'; tenant?: string }
  | { kind: 'key revoke'; keyId: string }
  | { kind: 'secrets status' }
  | { kind: 'secrets rotate'; batchSize: number }
  | { kind: 'help' };

export const usage = `Usage: npm run admin -- <command>

  tenant create <name>                       Create a tenant
  tenant list                                List tenants
  key create --tenant <name> [--name <label>] [--scope admin|read] [--expires-in-days <n>]
                                             Create an API key (shown once). read: list, read and
                                             export only; admin (default): also change and delete
  key list [--tenant <name>]                 List API keys (prefixes only)
  key revoke <keyId>                         Revoke an API key
  secrets status                             Consumer secrets per encryption key id
  secrets rotate [--batch-size <n>]          Re-encrypt every consumer secret under SECRETS_KEY_ID
                                             (keep the old key in SECRETS_PREVIOUS_KEYS until it
                                             reports nothing left on it)

Needs DATABASE_URL (secrets commands also SECRETS_KEY). Exit codes: 0 ok, 1 failed (e.g. unknown tenant,
secrets left on a key that is not configured), 64 usage error.`;

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 64; // EX_USAGE

function takeFlags(args: string[], allowed: string[]): { flags: Record<string, string>; rest: string[] } {
  const flags: Record<string, string> = {};
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (!arg.startsWith('--')) {
      rest.push(arg);
      continue;
    }
    const [flag, inline] = arg.slice(2).split(/=(.*)/s, 2) as [string, string | undefined];
    if (!allowed.includes(flag)) throw new UsageError(`Unknown option --${flag}`);
    const value = inline ?? args[++i];
    if (value === undefined || value === '' || value.startsWith('--'))
      throw new UsageError(`--${flag} needs a value`);
    flags[flag] = value;
  }
  return { flags, rest };
}

export function parseAdminCommand(argv: string[]): AdminCommand {
  const [group, action, ...args] = argv;
  if (group === undefined || group === 'help' || group === '--help' || group === '-h')
    return { kind: 'help' };
  const command = `${group} ${action ?? ''}`.trim();
  switch (command) {
    case 'tenant create': {
      const { rest } = takeFlags(args, []);
      if (rest.length !== 1 || !rest[0]!.trim())
        throw new UsageError('tenant create needs exactly one <name>');
      if (rest[0]!.length > 200) throw new UsageError('Tenant names are at most 200 characters');
      return { kind: 'tenant create', name: rest[0]!.trim() };
    }
    case 'tenant list': {
      const { rest } = takeFlags(args, []);
      if (rest.length) throw new UsageError('tenant list takes no arguments');
      return { kind: 'tenant list' };
    }
    case 'key create': {
      const { flags, rest } = takeFlags(args, ['tenant', 'name', 'scope', 'expires-in-days']);
      if (rest.length) throw new UsageError(`Unexpected argument "${rest[0]}"`);
      if (!flags.tenant) throw new UsageError('key create needs --tenant <name>');
      const scope = flags.scope ?? 'admin';
      if (!(apiKeyScopes as readonly string[]).includes(scope))
        throw new UsageError(`--scope must be one of ${apiKeyScopes.join(', ')} (got "${scope}")`);
      const expiresInDays =
        flags['expires-in-days'] === undefined ? undefined : Number(flags['expires-in-days']);
      if (
        expiresInDays !== undefined &&
        !(Number.isInteger(expiresInDays) && expiresInDays >= 1 && expiresInDays <= 3650)
      )
        throw new UsageError('--expires-in-days must be a whole number of days from 1 to 3650');
      return {
        kind: 'key create',
        tenant: flags.tenant,
        scope: scope as ApiKeyScope,
        ...(flags.name ? { name: flags.name } : {}),
        ...(expiresInDays !== undefined ? { expiresInDays } : {}),
      };
    }
    case 'key list': {
      const { flags, rest } = takeFlags(args, ['tenant']);
      if (rest.length) throw new UsageError(`Unexpected argument "${rest[0]}"`);
      return { kind: 'key list', ...(flags.tenant ? { tenant: flags.tenant } : {}) };
    }
    case 'key revoke': {
      const { rest } = takeFlags(args, []);
      if (rest.length !== 1) throw new UsageError('key revoke needs exactly one <keyId> (see: key list)');
      return { kind: 'key revoke', keyId: rest[0]! };
    }
    case 'secrets status': {
      const { rest } = takeFlags(args, []);
      if (rest.length) throw new UsageError('secrets status takes no arguments');
      return { kind: 'secrets status' };
    }
    case 'secrets rotate': {
      const { flags, rest } = takeFlags(args, ['batch-size']);
      if (rest.length) throw new UsageError(`Unexpected argument "${rest[0]}"`);
      const batchSize = Number(flags['batch-size'] ?? 200);
      if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000)
        throw new UsageError('--batch-size must be a whole number from 1 to 10000');
      return { kind: 'secrets rotate', batchSize };
    }
    default:
      throw new UsageError(`Unknown command "${command}"`);
  }
}

const date = (d: Date | null) => (d ? d.toISOString() : '-');

/** Runs a command, writing human-readable lines; returns the process exit code. */
export async function runAdminCommand(
  sql: Sql,
  command: AdminCommand,
  out: (line: string) => void,
  err: (line: string) => void,
  /** Only the secrets commands need it; the composition root opens it only for them. */
  secrets?: SecretBox,
): Promise<number> {
  try {
    switch (command.kind) {
      case 'help':
        out(usage);
        return EXIT_OK;
      case 'tenant create': {
        const tenant = await createTenant(sql, command.name);
        out(`Created tenant "${tenant.name}" (${tenant.id})`);
        out(`Next: npm run admin -- key create --tenant ${JSON.stringify(tenant.name)}`);
        return EXIT_OK;
      }
      case 'tenant list': {
        const tenants = await listTenants(sql);
        if (tenants.length === 0) out('No tenants yet (tenant create <name>)');
        for (const t of tenants) {
          out(
            `${t.id}  ${t.name}  keys=${t.activeKeys}  integrations=${t.integrations}  created=${date(t.createdAt)}`,
          );
        }
        return EXIT_OK;
      }
      case 'key create': {
        const { key, record } = await createApiKey(sql, {
          tenantName: command.tenant,
          name: command.name,
          scope: command.scope,
          expiresAt:
            command.expiresInDays !== undefined
              ? new Date(Date.now() + command.expiresInDays * 86_400_000)
              : null,
        });
        out(
          `Created ${record.scope} API key ${record.id} "${record.name}" for tenant "${record.tenantName}"` +
            (record.expiresAt ? `, expiring ${date(record.expiresAt)}.` : '.'),
        );
        out('Copy it now; it is not stored and cannot be shown again:');
        out('');
        out(`  ${key}`);
        out('');
        out('Use it as: Authorization: Bearer <key>');
        return EXIT_OK;
      }
      case 'key list': {
        const keys = await listApiKeys(sql, command.tenant);
        if (keys.length === 0) out('No API keys');
        for (const k of keys) {
          const status = k.revokedAt
            ? `revoked ${date(k.revokedAt)}`
            : k.expiresAt && k.expiresAt <= new Date()
              ? `expired ${date(k.expiresAt)}`
              : k.expiresAt
                ? `active until ${date(k.expiresAt)}`
                : 'active';
          out(
            `${k.id}  ${k.prefix}…  ${k.tenantName}  "${k.name}"  ${k.scope}  ${status}  last used ${date(k.lastUsedAt)}`,
          );
        }
        return EXIT_OK;
      }
      case 'key revoke': {
        const record = await revokeApiKey(sql, command.keyId);
        out(`Revoked API key ${record.id} (${record.prefix}…) of tenant "${record.tenantName}"`);
        return EXIT_OK;
      }
      case 'secrets status': {
        const usage = await secretKeyUsage(sql);
        if (usage.length === 0) out('No consumer secrets stored');
        for (const u of usage) {
          const current = secrets?.currentKeyId === u.keyId ? '  (current)' : '';
          out(
            `key ${u.keyId}: ${u.rows} secret(s), ${u.unbound} not yet bound to their integration${current}`,
          );
        }
        return EXIT_OK;
      }
      case 'secrets rotate': {
        if (!secrets) throw new Error('secrets rotate needs SECRETS_KEY');
        const report = await rotateSecrets(sql, secrets, {
          batchSize: command.batchSize,
          onBatch: (done) => out(`re-encrypted ${done}…`),
        });
        out(`Re-encrypted ${report.reencrypted} consumer secret(s) under key "${secrets.currentKeyId}".`);
        const left = Object.entries(report.remaining);
        if (left.length === 0) {
          out('Every secret is on the current key: keys in SECRETS_PREVIOUS_KEYS can be removed.');
          return EXIT_OK;
        }
        for (const [keyId, rows] of left)
          err(
            `${rows} secret(s) remain on key "${keyId}", which is not configured: add it to SECRETS_PREVIOUS_KEYS and run again`,
          );
        return EXIT_FAILED;
      }
    }
  } catch (error) {
    if (
      error instanceof TenantNotFoundError ||
      error instanceof TenantExistsError ||
      error instanceof ApiKeyNotFoundError ||
      error instanceof SecretKeyConfigError
    ) {
      err(error.message);
      return EXIT_FAILED;
    }
    throw error;
  }
}
