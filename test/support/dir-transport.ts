/**
 * Writes a copy of a tagged image in the layout of skopeo's `dir:` transport
 * (containers/image v5 "Directory Transport Version: 1.1"): `manifest.json`,
 * `<hex>.manifest.json` for each platform manifest of a list, and one file per
 * blob named by the hex part of its digest.
 *
 * Docker schema 2 images need it because skopeo 1.9's `oci:` transport finds
 * a tag only on descriptors with OCI media types.
 */
import { copyFile, link, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

import { blobPath } from './blobs.js';
import { removeDir } from './temp.js';

/** Folder inside a layout that contains one `dir:` transport copy per tag. */
export const DIR_TRANSPORT_FOLDER = 'skopeo-dir';

/** What a `dir:` copy of one tag holds, by digest. */
export interface DirTransportContent {
  /** Digest of the manifest or manifest list the tag points at. */
  topDigest: string;
  /** Digests of the platform manifests of a manifest list, or empty for an image. */
  platformManifestDigests: string[];
  /** Digests of every config and layer blob. */
  blobDigests: string[];
}

/**
 * Replaces the `dir:` copy of `tag` in `layoutDir` and returns its skopeo
 * reference, `dir:<layoutDir>/skopeo-dir/<tag>`. Files are hard links to the
 * layout's blobs, so large layers are not copied when the file system allows
 * links.
 */
export async function writeDirTransportCopy(layoutDir: string, tag: string, content: DirTransportContent): Promise<string> {
  const target = path.join(layoutDir, DIR_TRANSPORT_FOLDER, tag);
  await removeDir(target);
  await mkdir(target, { recursive: true });

  await writeFile(path.join(target, 'version'), 'Directory Transport Version: 1.1\n');
  await linkOrCopy(blobPath(layoutDir, content.topDigest), path.join(target, 'manifest.json'));
  for (const digest of content.platformManifestDigests) {
    await linkOrCopy(blobPath(layoutDir, digest), path.join(target, `${hexOf(digest)}.manifest.json`));
  }
  for (const digest of new Set(content.blobDigests)) {
    await linkOrCopy(blobPath(layoutDir, digest), path.join(target, hexOf(digest)));
  }
  return `dir:${target}`;
}

async function linkOrCopy(source: string, destination: string): Promise<void> {
  try {
    await link(source, destination);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // Some file systems have no hard links, and a link cannot cross devices, so copy instead.
    if (code !== 'EXDEV' && code !== 'EPERM' && code !== 'ENOTSUP') throw error;
    await copyFile(source, destination);
  }
}

function hexOf(digest: string): string {
  return digest.slice(digest.indexOf(':') + 1);
}
