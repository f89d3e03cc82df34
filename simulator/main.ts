import { parseArgs } from 'node:util';
import { z } from 'zod';
import { EDITIONS } from './org/editions';
import { PortInUseError, startSimulator } from './server';
import { CONTROL_PREFIX } from './control/routes';

const DEFAULT_PORT = 4010;

const argsSchema = z.object({
  port: z.coerce.number().int().min(0).max(65535),
  host: z.string().min(1),
  users: z.coerce.number().int().min(5),
  logins: z.coerce.number().int().min(0),
  seed: z.coerce.number().int(),
  key: z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/),
  edition: z.enum(EDITIONS),
});

function fail(message: string): never {
  console.error(`simulator: ${message}`);
  process.exit(1);
}

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    host: { type: 'string' },
    users: { type: 'string' },
    logins: { type: 'string' },
    seed: { type: 'string' },
    key: { type: 'string' },
    edition: { type: 'string' },
  },
  strict: true,
});
const parsed = argsSchema.safeParse({
  port: values.port ?? process.env.SIMULATOR_PORT ?? DEFAULT_PORT,
  host: values.host ?? process.env.SIMULATOR_HOST ?? '127.0.0.1',
  users: values.users ?? 200,
  logins: values.logins ?? 20_000,
  seed: values.seed ?? 1,
  key: values.key ?? 'demo',
  edition: values.edition ?? 'Enterprise Edition',
});
if (!parsed.success) fail(z.prettifyError(parsed.error).replace(/\n/g, ' '));
const options = parsed.data;

let running;
try {
  running = await startSimulator({ port: options.port, host: options.host });
} catch (error) {
  if (error instanceof PortInUseError) fail(`${error.message}; choose another with --port or SIMULATOR_PORT`);
  fail(error instanceof Error ? error.message : String(error));
}
const started = Date.now();
const org = running.simulator.control.createOrg({
  key: options.key,
  users: options.users,
  logins: options.logins,
  seed: options.seed,
  edition: options.edition,
});
console.log(
  `Salesforce org simulator on ${running.url} (${options.users} users, ${options.logins} logins, seed ${options.seed}, generated in ${Date.now() - started} ms)`,
);
console.log(`  Salesforce URL (My Domain): ${org.salesforceUrl}`);
console.log(`  Consumer key:               ${org.consumerKey}`);
console.log(`  Consumer secret:            ${org.consumerSecret}`);
console.log(`  Run-as user:                ${org.runAsUsername}`);
console.log(`  Control API:                ${running.url}${CONTROL_PREFIX}/orgs`);

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await running.close();
  console.log('simulator stopped');
  process.exit(0);
};
process.once('SIGINT', () => void stop());
process.once('SIGTERM', () => void stop());
