/**
 * Builds audit scenarios in a real registry. Images are built into an OCI
 * layout with a chosen config user and created time, and pushed with skopeo
 * under their first tag. Further tags are put with the client's
 * `putManifest`, which stores the same bytes, so the digest stays the same.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import type { RegistryClient } from '../../src/registry/client.js';
import { buildImage, buildIndex, type BuiltImage, type ImageSpec } from '../support/oci-layout.js';
import { pushImage, type SkopeoRegistry } from '../support/skopeo.js';

const TSX = path.resolve('node_modules/.bin/tsx');
const BIN = path.resolve('src/cli/bin.ts');

/** One day ago, so a `--max-age 7d` audit passes the image. */
export const RECENT = new Date(Date.now() - 24 * 60 * 60 * 1000).toISOString();
/** Long ago, so a `--max-age 7d` audit flags the image. */
export const OLD = '2020-01-01T00:00:00Z';

/** Builds a linux/amd64 image whose config sets `user` and `created`. */
export function buildConfiguredImage(layout: string, name: string, user: string, created = RECENT): Promise<BuiltImage> {
  return buildImage(layout, name, { seed: name, config: { user, created } });
}

/** Builds an index of linux/amd64 and linux/arm64 images with the given users. */
export function buildTwoPlatformIndex(layout: string, name: string, users: { amd64: string; arm64: string }): Promise<BuiltImage> {
  const platform = (architecture: string, user: string): ImageSpec => ({
    seed: name,
    platform: { os: 'linux', architecture },
    config: { user, created: RECENT },
  });
  return buildIndex(layout, name, [platform('amd64', users.amd64), platform('arm64', users.arm64)]);
}

/** Pushes `image` to `repository` under its first tag with skopeo, then puts the other tags with the client. */
export async function publishTags(
  client: RegistryClient,
  registry: SkopeoRegistry,
  repository: string,
  image: BuiltImage,
  tags: readonly string[],
): Promise<void> {
  const [first, ...rest] = tags;
  if (first === undefined) {
    return;
  }
  await pushImage(image, registry, `${repository}:${first}`);
  if (rest.length === 0) {
    return;
  }
  const fetched = await client.getManifest(`${registry.host}/${repository}@${image.digest}`);
  await Promise.all(
    rest.map((tag) => client.putManifest(`${registry.host}/${repository}:${tag}`, fetched.bytes, fetched.descriptor.mediaType)),
  );
}

/** What the CLI did. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `tagkeeper ARGS` as a child process, as a user would, with an empty home folder. */
export function runTagkeeper(args: string[], home: string): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      TSX,
      [BIN, ...args],
      { env: { PATH: process.env.PATH, HOME: home, NODE_OPTIONS: '' }, timeout: 60_000, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        let code = 0;
        if (error !== null) {
          // A child killed by a signal or the timeout has no numeric exit code.
          code = typeof error.code === 'number' ? error.code : -1;
        }
        resolve({ code, stdout, stderr });
      },
    );
  });
}
