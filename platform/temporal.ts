import { execFileSync } from 'node:child_process';
import {
  accessSync,
  constants,
  readFileSync,
  openSync,
  readSync,
  closeSync,
  realpathSync,
  existsSync,
} from 'node:fs';
import { delimiter, join } from 'node:path';
import { Connection, Client } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { Environment } from './env';

interface TemporalSettings {
  address: string;
  namespace: string;
  tls?: { clientCertPair?: { crt: Buffer; key: Buffer } } | boolean;
  apiKey?: string;
}

export function temporalSettings(
  env: Environment,
  address = env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233',
): TemporalSettings {
  const mtls =
    env.TEMPORAL_TLS_CERT_PATH && env.TEMPORAL_TLS_KEY_PATH
      ? {
          clientCertPair: {
            crt: readFileSync(env.TEMPORAL_TLS_CERT_PATH),
            key: readFileSync(env.TEMPORAL_TLS_KEY_PATH),
          },
        }
      : undefined;
  // Temporal Cloud with an API key needs TLS too; mTLS implies it.
  const tls = mtls ?? (env.TEMPORAL_TLS || env.TEMPORAL_API_KEY ? true : undefined);
  return {
    address,
    namespace: env.TEMPORAL_NAMESPACE,
    ...(tls !== undefined ? { tls } : {}),
    ...(env.TEMPORAL_API_KEY ? { apiKey: env.TEMPORAL_API_KEY } : {}),
  };
}

export async function connectClient(settings: TemporalSettings): Promise<Client> {
  const connection = await Connection.connect({
    address: settings.address,
    ...(settings.tls !== undefined ? { tls: settings.tls } : {}),
    ...(settings.apiKey ? { apiKey: settings.apiKey } : {}),
  });
  return new Client({ connection, namespace: settings.namespace });
}

export async function connectWorkerConnection(settings: TemporalSettings): Promise<NativeConnection> {
  return NativeConnection.connect({
    address: settings.address,
    ...(settings.tls !== undefined ? { tls: settings.tls } : {}),
    ...(settings.apiKey ? { apiKey: settings.apiKey } : {}),
  });
}

function isElf(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const magic = Buffer.alloc(4);
    readSync(fd, magic, 0, 4, 0);
    return magic.equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46]));
  } finally {
    closeSync(fd);
  }
}

function findOnPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return realpathSync(candidate);
    } catch {
      // not here
    }
  }
  return undefined;
}

/**
 * Finds a Temporal executable as an absolute path (the SDK does not search PATH, and killing a wrapper
 * script such as a pyenv shim would orphan the real server). Order: the explicit variable, then PATH
 * (unwrapping a pip console-script shim to the binary in Python's scripts directory), else undefined so
 * the caller can fall back to the project-local install (dev/temporal-tools.ts) or the SDK's own download.
 */
export type TemporalExecutableName = 'temporal' | 'temporal-test-server';

export function resolveTemporalExecutable(
  name: TemporalExecutableName,
  explicit?: string,
): string | undefined {
  if (explicit) {
    if (!existsSync(explicit))
      throw new Error(`TEMPORAL_CLI_PATH points to ${explicit}, which does not exist`);
    return realpathSync(explicit);
  }
  const onPath = findOnPath(name);
  if (onPath === undefined) return undefined;
  if (isElf(onPath)) return onPath;
  for (const python of ['python3', 'python']) {
    try {
      const scripts = execFileSync(python, ['-c', "import sysconfig; print(sysconfig.get_path('scripts'))"], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      }).trim();
      const candidate = join(scripts, name);
      if (existsSync(candidate) && isElf(realpathSync(candidate))) return realpathSync(candidate);
    } catch {
      // no such interpreter
    }
  }
  return onPath;
}
