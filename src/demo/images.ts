/**
 * Tiny container images built in memory for the demo: one uncompressed tar
 * layer per platform and an OCI config, pushed with the registry client. The
 * bytes are deterministic, so the same build spec always gives the same
 * digest, and only what the spec changes (a file, a timestamp) changes it.
 */
import type { RegistryClient } from '../registry/client.js';
import { computeDigest } from '../registry/digest.js';
import { MediaType } from '../registry/wire.js';

/** One build of the demo app. */
export interface DemoBuild {
  /** Upstream version, written into `/app/VERSION`. */
  version: string;
  distro: string;
  /** Text of `/etc/base-image`: what the distro layer contains. A change makes a real rebuild. */
  base: string;
  /** Build time in the config (`created` and `history[].created`). */
  created: string;
}

/** Platforms every demo build has. */
export const DEMO_PLATFORMS = [
  { os: 'linux', architecture: 'amd64' },
  { os: 'linux', architecture: 'arm64', variant: 'v8' },
] as const;

const TAR_BLOCK = 512;

/**
 * Builds an uncompressed ustar archive of regular files, with fixed owner,
 * mode and modification time (0), in the order given.
 */
export function buildTar(files: ReadonlyArray<readonly [string, string]>): Buffer {
  const blocks: Buffer[] = [];
  for (const [path, text] of files) {
    const content = Buffer.from(text, 'utf8');
    const header = Buffer.alloc(TAR_BLOCK);
    header.write(path, 0, 100, 'utf8');
    header.write('0000644\0', 100, 'ascii');
    header.write('0000000\0', 108, 'ascii');
    header.write('0000000\0', 116, 'ascii');
    header.write(`${content.length.toString(8).padStart(11, '0')}\0`, 124, 'ascii');
    header.write('00000000000\0', 136, 'ascii');
    header.write('0', 156, 'ascii');
    header.write('ustar\0', 257, 'ascii');
    header.write('00', 263, 'ascii');
    // The checksum is computed with its own field read as eight spaces.
    header.fill(' ', 148, 156);
    let checksum = 0;
    for (const byte of header) {
      checksum += byte;
    }
    header.write(`${checksum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');

    const padding = (TAR_BLOCK - (content.length % TAR_BLOCK)) % TAR_BLOCK;
    blocks.push(header, content, Buffer.alloc(padding));
  }
  blocks.push(Buffer.alloc(TAR_BLOCK * 2));
  return Buffer.concat(blocks);
}

/**
 * Pushes `build` as a two-platform OCI index under `repository:tag` and
 * returns the index digest.
 */
export async function pushDemoBuild(client: RegistryClient, repository: string, tag: string, build: DemoBuild): Promise<string> {
  const children = [];
  for (const platform of DEMO_PLATFORMS) {
    const layer = buildTar([
      ['etc/base-image', `${build.distro}: ${build.base}\n`],
      ['app/VERSION', `${build.version}\n`],
      ['app/PLATFORM', `${platform.os}/${platform.architecture}\n`],
    ]);
    const layerInfo = await client.uploadBlob(repository, layer);
    const config = Buffer.from(
      JSON.stringify({
        created: build.created,
        architecture: platform.architecture,
        ...('variant' in platform ? { variant: platform.variant } : {}),
        os: platform.os,
        config: { Env: [`APP_VERSION=${build.version}`], Cmd: ['/app/run'] },
        rootfs: { type: 'layers', diff_ids: [layerInfo.digest] },
        history: [{ created: build.created, created_by: `demo build of ${build.version} on ${build.distro}` }],
      }),
    );
    const configInfo = await client.uploadBlob(repository, config);
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MediaType.ociManifest,
        config: { mediaType: MediaType.ociConfig, digest: configInfo.digest, size: config.length },
        layers: [{ mediaType: MediaType.ociLayerTar, digest: layerInfo.digest, size: layer.length }],
      }),
    );
    const digest = await client.putManifest(`${repository}@${computeDigest(manifest)}`, manifest, MediaType.ociManifest);
    children.push({ mediaType: MediaType.ociManifest, digest, size: manifest.length, platform });
  }

  const index = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: children }));
  return client.putManifest(`${repository}:${tag}`, index, MediaType.ociIndex);
}
