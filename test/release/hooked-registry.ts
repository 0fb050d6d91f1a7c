/**
 * A ReleaseRegistry that forwards to a real one and runs async hooks around
 * each call, to fail a request or let another writer act at an exact step.
 */
import type {
  CopyResult,
  FetchedManifest,
  ImageReference,
  ManifestDescriptor,
  ReleaseRegistry,
  RepositoryName,
} from '../../src/release/ports.js';

export type HookedMethod = keyof ReleaseRegistry;

/** A call as the hooks see it: the method and its first argument formatted. */
export interface HookedCall {
  method: HookedMethod;
  target: string;
}

type Hook = (call: HookedCall) => Promise<void> | void;

function describe(reference: ImageReference | RepositoryName): string {
  const { tag, digest } = reference as ImageReference;
  return `${reference.registry}/${reference.repository}${tag ? `:${tag}` : ''}${digest ? `@${digest}` : ''}`;
}

export class HookedRegistry implements ReleaseRegistry {
  readonly calls: HookedCall[] = [];
  before: Hook | undefined;
  after: Hook | undefined;

  constructor(private readonly inner: ReleaseRegistry) {}

  private async run<T>(method: HookedMethod, reference: ImageReference | RepositoryName, call: () => Promise<T>): Promise<T> {
    const entry = { method, target: describe(reference) };
    this.calls.push(entry);
    await this.before?.(entry);
    const result = await call();
    await this.after?.(entry);
    return result;
  }

  listTags(repository: RepositoryName): Promise<string[]> {
    return this.run('listTags', repository, () => this.inner.listTags(repository));
  }

  headManifest(reference: ImageReference): Promise<ManifestDescriptor | undefined> {
    return this.run('headManifest', reference, () => this.inner.headManifest(reference));
  }

  getManifest(reference: ImageReference): Promise<FetchedManifest> {
    return this.run('getManifest', reference, () => this.inner.getManifest(reference));
  }

  getBlob(repository: RepositoryName, digest: string): Promise<Uint8Array> {
    return this.run('getBlob', { ...repository, digest }, () => this.inner.getBlob(repository, digest));
  }

  copyImage(source: ImageReference, target: RepositoryName): Promise<CopyResult> {
    return this.run('copyImage', target, () => this.inner.copyImage(source, target));
  }

  putManifest(reference: ImageReference, bytes: Uint8Array, mediaType: string): Promise<string> {
    return this.run('putManifest', reference, () => this.inner.putManifest(reference, bytes, mediaType));
  }
}
