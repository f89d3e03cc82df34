import { closeSync, fstatSync, ftruncateSync, openSync, readFileSync, writeSync } from 'node:fs';

/**
 * Files holding a key (the secrets key, the demo API key) in the data directory. They are created with mode
 * 0600 in one step (O_EXCL: no window in which another user's pre-planted file is taken as ours), and an
 * existing file is used only if this user owns it and nobody else can read or write it.
 */
function checkPrivate(file: string, fd: number): void {
  const stat = fstatSync(fd);
  const uid = process.getuid?.();
  if (uid !== undefined && stat.uid !== uid) {
    throw new Error(`${file} belongs to another user (uid ${stat.uid}); delete it or run as its owner`);
  }
  if ((stat.mode & 0o077) !== 0) {
    throw new Error(
      `${file} can be read or written by other users (mode ${(stat.mode & 0o777).toString(8)}); run: chmod 600 ${file}`,
    );
  }
}

/** The file's trimmed content, or undefined when it does not exist; refuses a file others can touch. */
export function readPrivateFile(file: string): string | undefined {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    checkPrivate(file, fd);
    return readFileSync(fd, 'utf8').trim();
  } finally {
    closeSync(fd);
  }
}

/** Writes the content, creating the file 0600 exclusively, or replacing the content of our own private file. */
export function writePrivateFile(file: string, content: string): void {
  let fd: number;
  try {
    fd = openSync(file, 'wx', 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    fd = openSync(file, 'r+');
    try {
      checkPrivate(file, fd);
    } catch (checkError) {
      closeSync(fd);
      throw checkError;
    }
  }
  try {
    const bytes = Buffer.from(content, 'utf8');
    writeSync(fd, bytes, 0, bytes.length, 0);
    // r+ keeps old bytes past the new end; cut them.
    ftruncateSync(fd, bytes.length);
  } finally {
    closeSync(fd);
  }
}

/** The file's content, or `create()`'s value written to a new private file (first start). */
export function readOrCreatePrivateFile(file: string, create: () => string): string {
  const existing = readPrivateFile(file);
  if (existing) return existing;
  writePrivateFile(file, create());
  return readPrivateFile(file)!;
}
