/**
 * Runs skopeo 1.9 (`/usr/bin/skopeo`) to push test images into a registry
 * and to cross-check what tagkeeper reads and writes. Every call passes
 * `--insecure-policy`, since tests copy unsigned images, and sets credentials
 * explicitly: `--creds` when given, else `--no-creds`, so auth files in the
 * home folder never take part.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';

import { HarnessDigestMismatchError } from './errors.js';
import type { BuiltImage } from './oci-layout.js';
import { makeTempDir, removeDir } from './temp.js';
import { findTool, runTool } from './tools.js';

/** Credentials for a registry. */
export interface SkopeoAuth {
  username: string;
  password: string;
}

/** How skopeo connects to one registry. */
export interface SkopeoTarget {
  /** Require HTTPS with a verified certificate. Default: true when `caDir` is set, else false. */
  tlsVerify?: boolean;
  /** Folder with `*.crt` CA certificates to trust (skopeo `--cert-dir`). */
  caDir?: string;
  auth?: SkopeoAuth;
}

/** The parts of a started registry that skopeo needs, all present on a `Distribution`. */
export interface SkopeoRegistry {
  host: string;
  caDir?: string;
  /** Users of a registry with auth. The first one is used when no credentials are given. */
  users?: SkopeoAuth[];
  auth?: 'none' | 'htpasswd' | 'token';
}

/** Options of {@link skopeoCopy}. */
export interface SkopeoCopyOptions {
  src?: SkopeoTarget;
  dest?: SkopeoTarget;
  /** Copy every platform of an index (`--all`). */
  all?: boolean;
  /** Copy manifests byte for byte (`--preserve-digests`). */
  preserveDigests?: boolean;
  /** Write the digest of the pushed manifest to this file (`--digestfile`). */
  digestFile?: string;
  /** Milliseconds before skopeo is killed. Default 300 000, for large layers. */
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 60_000;
const COPY_TIMEOUT_MS = 300_000;

/** Copies an image between references such as `oci:DIR:TAG` and `docker://127.0.0.1:PORT/repo:tag`. */
export async function skopeoCopy(src: string, dest: string, options: SkopeoCopyOptions = {}): Promise<void> {
  const source = targetArguments('src-', src, options.src);
  const destination = targetArguments('dest-', dest, options.dest);
  const args = ['copy', ...source.args, ...destination.args];
  if (options.all) args.push('--all');
  if (options.preserveDigests) args.push('--preserve-digests');
  if (options.digestFile !== undefined) args.push('--digestfile', options.digestFile);
  args.push(src, dest);

  await skopeo(args, [...source.secrets, ...destination.secrets], options.timeoutMs ?? COPY_TIMEOUT_MS);
}

/**
 * Pushes a built image (every platform, digests preserved) to
 * `<registry.host>/<repoAndTag>` and returns the digest the registry stored.
 * On a registry with auth, the first user's credentials are used unless
 * `auth` is given.
 *
 * @throws HarnessDigestMismatchError when the pushed digest differs from `image.digest`.
 */
export async function pushImage(
  image: BuiltImage,
  registry: SkopeoRegistry,
  repoAndTag: string,
  auth?: SkopeoAuth,
): Promise<string> {
  const workDir = await makeTempDir('skopeo');
  try {
    const digestFile = path.join(workDir, 'digest');
    const dest = `docker://${registry.host}/${repoAndTag}`;
    await skopeoCopy(image.ref, dest, {
      dest: registryTarget(registry, auth),
      all: true,
      preserveDigests: true,
      digestFile,
    });

    const digest = (await readFile(digestFile, 'utf8')).trim();
    if (digest !== image.digest) {
      throw new HarnessDigestMismatchError(
        `skopeo pushed ${image.ref} to ${dest} as ${digest}, but the layout contains ${image.digest}, so the manifest was rewritten on the way`,
      );
    }
    return digest;
  } finally {
    await removeDir(workDir);
  }
}

/**
 * Returns the skopeo target for a started registry: TLS verified against its
 * test CA when it serves HTTPS, and `auth` or else its first user when it
 * has auth.
 */
export function registryTarget(registry: SkopeoRegistry, auth?: SkopeoAuth): SkopeoTarget {
  const target: SkopeoTarget = {};
  if (registry.caDir !== undefined) {
    target.tlsVerify = true;
    target.caDir = registry.caDir;
  }
  const credentials = auth ?? (registry.auth !== undefined && registry.auth !== 'none' ? registry.users?.[0] : undefined);
  if (credentials !== undefined) target.auth = credentials;
  return target;
}

/**
 * Returns the digest of the manifest `ref` points to: the SHA-256 of the
 * bytes the registry serves, so for an index the index digest.
 */
export async function skopeoDigest(ref: string, target?: SkopeoTarget): Promise<string> {
  const manifest = await skopeoInspectRaw(ref, target);
  return `sha256:${createHash('sha256').update(manifest).digest('hex')}`;
}

/** Returns the manifest bytes `ref` points to, unchanged (`inspect --raw`). */
export async function skopeoInspectRaw(ref: string, target?: SkopeoTarget): Promise<Buffer> {
  const connection = targetArguments('', ref, target);
  const { stdout } = await skopeo(['inspect', '--raw', ...connection.args, ref], connection.secrets);
  return stdout;
}

/** Returns the tags of a repository such as `docker://127.0.0.1:PORT/repo`, or [] for a repository without tags. */
export async function skopeoListTags(repoRef: string, target?: SkopeoTarget): Promise<string[]> {
  const connection = targetArguments('', repoRef, target);
  const { stdout } = await skopeo(['list-tags', ...connection.args, repoRef], connection.secrets);
  const listing = JSON.parse(stdout.toString('utf8')) as { Tags?: string[] | null };
  return listing.Tags ?? [];
}

/**
 * Deletes the manifest `ref` points to. For a tag, skopeo resolves it and
 * deletes the manifest by digest, which removes every tag on that manifest.
 */
export async function skopeoDelete(ref: string, target?: SkopeoTarget): Promise<void> {
  const connection = targetArguments('', ref, target);
  await skopeo(['delete', ...connection.args, ref], connection.secrets);
}

async function skopeo(args: string[], secrets: string[], timeoutMs = DEFAULT_TIMEOUT_MS): Promise<{ stdout: Buffer }> {
  const binary = await findTool('skopeo');
  return runTool(binary, ['--insecure-policy', ...args], { secrets, timeoutMs });
}

/** Builds the connection flags for one side of a command. Only `docker://` references get flags. */
function targetArguments(prefix: '' | 'src-' | 'dest-', ref: string, target: SkopeoTarget = {}): { args: string[]; secrets: string[] } {
  if (!ref.startsWith('docker://')) return { args: [], secrets: [] };

  const tlsVerify = target.tlsVerify ?? target.caDir !== undefined;
  const args = [`--${prefix}tls-verify=${tlsVerify}`];
  if (target.caDir !== undefined) args.push(`--${prefix}cert-dir`, target.caDir);
  if (target.auth === undefined) {
    args.push(`--${prefix}no-creds`);
    return { args, secrets: [] };
  }

  args.push(`--${prefix}creds`, `${target.auth.username}:${target.auth.password}`);
  return { args, secrets: [target.auth.password] };
}
