import { createSql } from '../platform/database';
import { loadEnvironmentOrExit } from '../platform/env';
import { openSecretBoxOrExit } from '../platform/secrets';
import {
  EXIT_USAGE,
  parseAdminCommand,
  runAdminCommand,
  usage,
  UsageError,
  type AdminCommand,
} from './admin/commands';

let command: AdminCommand;
try {
  command = parseAdminCommand(process.argv.slice(2));
} catch (error) {
  if (!(error instanceof UsageError)) throw error;
  console.error(`${error.message}\n\n${usage}`);
  process.exit(EXIT_USAGE);
}

const needsSecrets = command.kind.startsWith('secrets');
const env = loadEnvironmentOrExit(needsSecrets ? ['DATABASE_URL', 'SECRETS_KEY'] : ['DATABASE_URL']);
const sql = createSql({ url: env.DATABASE_URL!, poolSize: 1, applicationName: 'identity-collector-admin' });
try {
  const secrets = needsSecrets
    ? await openSecretBoxOrExit(env, sql, { error: (message) => console.error(message) })
    : undefined;
  process.exitCode = await runAdminCommand(
    sql,
    command,
    (line) => console.log(line),
    (line) => console.error(line),
    secrets,
  );
} finally {
  await sql.end({ timeout: 5 });
}
