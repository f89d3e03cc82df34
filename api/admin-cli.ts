import { createSql } from '../platform/database';
import { loadEnvironmentOrExit } from '../platform/env';
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

const env = loadEnvironmentOrExit(['DATABASE_URL']);
const sql = createSql({ url: env.DATABASE_URL!, poolSize: 1, applicationName: 'identity-collector-admin' });
try {
  process.exitCode = await runAdminCommand(
    sql,
    command,
    (line) => console.log(line),
    (line) => console.error(line),
  );
} finally {
  await sql.end({ timeout: 5 });
}
