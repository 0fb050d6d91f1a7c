/**
 * A minimal ustar writer for image layers built in tests: regular files and
 * directories only, owner root, fixed modification time, entries sorted by
 * path, so the same files always give the same bytes.
 *
 * Format: POSIX.1-1988 ustar (512-byte headers, octal numeric fields, a
 * `prefix` field for paths longer than 100 bytes, two zero blocks at the end).
 */
import { InvalidImageSpecError } from './errors.js';

/** Size of a tar header and of the blocks that file data is padded to. */
export const TAR_BLOCK_SIZE = 512;

/** Modification time of every entry: the Unix epoch, as reproducible builds use. */
const FIXED_MTIME = 0;

/** Largest file size the 11 octal digits of a ustar size field can hold (8 GiB - 1). */
export const MAX_TAR_FILE_SIZE = 0o77777777777;

/** One entry of a layer tar. */
export interface TarEntry {
  /** Path inside the layer, relative, with `/` separators. */
  path: string;
  type: 'file' | 'directory';
  /** Size of the file data in bytes, 0 for a directory. */
  size: number;
}

/** Writes the 512-byte ustar header of one entry. */
export function tarHeader(entry: TarEntry): Buffer {
  if (entry.size < 0 || entry.size > MAX_TAR_FILE_SIZE || !Number.isInteger(entry.size)) {
    throw new InvalidImageSpecError(`layer file "${entry.path}" has invalid size ${entry.size}: a ustar entry stores 0 to ${MAX_TAR_FILE_SIZE} bytes`);
  }
  const isDirectory = entry.type === 'directory';
  const fullName = isDirectory ? `${entry.path}/` : entry.path;
  const { prefix, name } = splitPath(fullName);

  const header = Buffer.alloc(TAR_BLOCK_SIZE);
  header.write(name, 0, 100, 'utf8');
  writeOctal(header, 100, 8, isDirectory ? 0o755 : 0o644);
  writeOctal(header, 108, 8, 0); // uid
  writeOctal(header, 116, 8, 0); // gid
  writeOctal(header, 124, 12, isDirectory ? 0 : entry.size);
  writeOctal(header, 136, 12, FIXED_MTIME);
  header.write(isDirectory ? '5' : '0', 156, 1, 'ascii');
  header.write('ustar\0', 257, 6, 'ascii');
  header.write('00', 263, 2, 'ascii');
  header.write('root', 265, 32, 'ascii');
  header.write('root', 297, 32, 'ascii');
  header.write(prefix, 345, 155, 'utf8');

  // The checksum is the byte sum of the header with the checksum field read as spaces.
  header.fill(' ', 148, 156);
  let checksum = 0;
  for (const byte of header) checksum += byte;
  header.write(`${checksum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'ascii');
  return header;
}

/** Returns the zero bytes that pad `size` bytes of file data to a whole block. */
export function tarPadding(size: number): Buffer {
  const remainder = size % TAR_BLOCK_SIZE;
  return Buffer.alloc(remainder === 0 ? 0 : TAR_BLOCK_SIZE - remainder);
}

/** Returns the two zero blocks that end an archive. */
export function tarEnd(): Buffer {
  return Buffer.alloc(2 * TAR_BLOCK_SIZE);
}

/**
 * Builds a whole tar of small files in memory: the files sorted by path, each
 * preceded by entries for its parent directories.
 */
export function tarOfFiles(files: Record<string, string | Buffer>): Buffer {
  const contents = new Map<string, Buffer>();
  for (const [rawPath, content] of Object.entries(files)) {
    const entryPath = normalizeEntryPath(rawPath);
    if (contents.has(entryPath)) {
      throw new InvalidImageSpecError(`layer file "${rawPath}" is listed twice: give each path once`);
    }
    contents.set(entryPath, typeof content === 'string' ? Buffer.from(content, 'utf8') : content);
  }

  const directories = new Set<string>();
  for (const entryPath of contents.keys()) {
    const segments = entryPath.split('/');
    for (let depth = 1; depth < segments.length; depth += 1) directories.add(segments.slice(0, depth).join('/'));
  }
  for (const directory of directories) {
    if (contents.has(directory)) {
      throw new InvalidImageSpecError(`layer path "${directory}" is both a file and the folder of another file`);
    }
  }

  const entries = [...directories].map((entryPath) => ({ entryPath, content: undefined as Buffer | undefined }));
  for (const [entryPath, content] of contents) entries.push({ entryPath, content });
  entries.sort((a, b) => compareBytes(a.entryPath, b.entryPath));

  const parts: Buffer[] = [];
  for (const { entryPath, content } of entries) {
    if (content === undefined) {
      parts.push(tarHeader({ path: entryPath, type: 'directory', size: 0 }));
      continue;
    }
    parts.push(tarHeader({ path: entryPath, type: 'file', size: content.length }), content, tarPadding(content.length));
  }
  parts.push(tarEnd());
  return Buffer.concat(parts);
}

/**
 * Checks a path for a layer entry and returns it without a leading `/` or `./`.
 *
 * @throws InvalidImageSpecError for an empty path, `.` or `..` segments, or a backslash.
 */
export function normalizeEntryPath(rawPath: string): string {
  const trimmed = rawPath.replace(/^(\.?\/)+/, '');
  const segments = trimmed.split('/');
  const invalid =
    trimmed.length === 0 || rawPath.includes('\\') || rawPath.includes('\0') || segments.some((s) => s === '' || s === '.' || s === '..');
  if (invalid) {
    throw new InvalidImageSpecError(
      `layer path "${rawPath}" is invalid: use a relative path such as "etc/os-release" without empty, "." or ".." segments`,
    );
  }
  return trimmed;
}

/** Splits a path into the ustar `prefix` (at most 155 bytes) and `name` (at most 100 bytes) at a `/`. */
function splitPath(fullName: string): { prefix: string; name: string } {
  if (Buffer.byteLength(fullName) <= 100) return { prefix: '', name: fullName };

  // Search from the left so the name part is as long as possible. A directory's trailing '/' stays in the name.
  for (let index = fullName.indexOf('/'); index !== -1 && index < fullName.length - 1; index = fullName.indexOf('/', index + 1)) {
    const prefix = fullName.slice(0, index);
    const name = fullName.slice(index + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(name) <= 100) return { prefix, name };
  }
  throw new InvalidImageSpecError(
    `layer path "${fullName}" does not fit a ustar header: keep the file name within 100 bytes and the folder within 155 bytes`,
  );
}

function writeOctal(header: Buffer, offset: number, length: number, value: number): void {
  header.write(`${value.toString(8).padStart(length - 1, '0')}\0`, offset, length, 'ascii');
}

/** Orders paths by their UTF-8 bytes, so the order does not depend on the locale. */
function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
