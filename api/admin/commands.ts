import {
  ApiKeyNotFoundError,
  createApiKey,
  createTenant,
  listApiKeys,
  listTenants,
  revokeApiKey,
  TenantExistsError,
  TenantNotFoundError,
} from '../../platform/api-keys';
import type { Sql } from '../../platform/database';

/** `npm run admin -- …`: tenants and API keys. Parsing is separate from running so both are testable. */
export type AdminCommand =
  | { kind: 'tenant create'; name: string }
  | { kind: 'tenant list' }
  | { kind: 'key create'; tenant: string; name?: string }
  | { kind: 'key list'; tenant?: string }
  | { kind: 'key revoke'; keyId: string }
  | { kind: 'help' };

export const usage = `Usage: npm run admin -- <command>

  tenant create <name>                       Create a tenant
  tenant list                                List tenants
  key create --tenant <name> [--name <label>]  Create an API key (shown once)
  key list [--tenant <name>]                 List API keys (prefixes only)
  key revoke <keyId>                         Revoke an API key

Needs DATABASE_URL. Exit codes: 0 ok, 1 failed (e.g. unknown tenant), 64 usage error.`;

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
      const { flags, rest } = takeFlags(args, ['tenant', 'name']);
      if (rest.length) throw new UsageError(`Unexpected argument "${rest[0]}"`);
      if (!flags.tenant) throw new UsageError('key create needs --tenant <name>');
      return { kind: 'key create', tenant: flags.tenant, ...(flags.name ? { name: flags.name } : {}) };
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
        const { key, record } = await createApiKey(sql, { tenantName: command.tenant, name: command.name });
        out(`Created API key ${record.id} "${record.name}" for tenant "${record.tenantName}".`);
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
          const status = k.revokedAt ? `revoked ${date(k.revokedAt)}` : 'active';
          out(
            `${k.id}  ${k.prefix}…  ${k.tenantName}  "${k.name}"  ${status}  last used ${date(k.lastUsedAt)}`,
          );
        }
        return EXIT_OK;
      }
      case 'key revoke': {
        const record = await revokeApiKey(sql, command.keyId);
        out(`Revoked API key ${record.id} (${record.prefix}…) of tenant "${record.tenantName}"`);
        return EXIT_OK;
      }
    }
  } catch (error) {
    if (
      error instanceof TenantNotFoundError ||
      error instanceof TenantExistsError ||
      error instanceof ApiKeyNotFoundError
    ) {
      err(error.message);
      return EXIT_FAILED;
    }
    throw error;
  }
}
