import { loadEnvironmentOrExit } from './env';
import { applyMigrations } from './migrate';

const env = loadEnvironmentOrExit(['DATABASE_URL']);
await applyMigrations(env.DATABASE_URL!, (name) => console.log(`applied migration ${name}`));
console.log('database schema is up to date');
