import { randomBytes } from 'node:crypto';
import { open, realpath, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Replaces the content of `file` with `content` so that readers see either
 * the old or the new file, never a partial one. The content goes to a
 * temporary file in the same folder, is flushed to disk, gets the mode of the
 * original, and is renamed over it. A symbolic link is followed, so the file
 * it points to is replaced and the link stays.
 */
export async function writeFileAtomic(file: string, content: string | Buffer): Promise<void> {
  const target = await realpath(file);
  const { mode } = await stat(target);
  const folder = dirname(target);
  const temporary = join(folder, `.${basename(target)}.tagkeeper-${randomBytes(6).toString('hex')}.tmp`);

  const handle = await open(temporary, 'wx', mode & 0o7777);
  try {
    await handle.writeFile(content);
    // The mode given to open() is reduced by the umask; set it exactly.
    await handle.chmod(mode & 0o7777);
    await handle.sync();
  } catch (error) {
    await handle.close();
    await unlink(temporary).catch(() => undefined);
    throw error;
  }
  await handle.close();

  try {
    await rename(temporary, target);
  } catch (error) {
    await unlink(temporary).catch(() => undefined);
    throw error;
  }
  await syncFolder(folder);
}

/** Flushes the folder entry of the rename; some platforms (Windows) cannot open a folder, which is not an error. */
async function syncFolder(folder: string): Promise<void> {
  let handle;
  try {
    handle = await open(folder, 'r');
    await handle.sync();
  } catch {
    // NOTE: without a folder sync the rename may be lost on power failure, but the file is never partial.
  } finally {
    await handle?.close();
  }
}
