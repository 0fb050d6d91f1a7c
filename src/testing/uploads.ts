import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { IncrementalDigest, digestOf, type DigestAlgorithm } from './grammar.js';

/** A blob upload in progress: the chunks received so far and their running digest. */
export class UploadSession {
  readonly chunks: Buffer[] = [];
  size = 0;
  private readonly digest = new IncrementalDigest();

  constructor(
    readonly id: string,
    readonly repository: string,
  ) {}

  /** Appends `chunks` in order and updates the running digest. */
  append(chunks: readonly Buffer[]): void {
    for (const chunk of chunks) {
      this.chunks.push(chunk);
      this.size += chunk.length;
      this.digest.update(chunk);
    }
  }

  /** Returns the digest of the content so far, with the algorithm the client named. */
  digestAs(algorithm: DigestAlgorithm): string {
    return algorithm === 'sha256' ? this.digest.current() : digestOf(this.chunks, algorithm);
  }

  /** Returns the `Range` header of the upload status: `0-<last byte offset>`, or `0-0` when empty, as Distribution sends it. */
  rangeHeader(): string {
    return `0-${Math.max(this.size - 1, 0)}`;
  }
}

/** Result of checking the `_state` of an upload URL. */
export type StateCheck = 'ok' | 'invalid' | 'stale';

/**
 * Open upload sessions, and the signed `_state` query value of their
 * `Location` URLs. Like CNCF Distribution, the server signs the repository,
 * the session and the offset into `_state`. A client that drops the query of
 * `Location`, or reuses an old `Location` after a PATCH, is therefore rejected
 * with BLOB_UPLOAD_INVALID here as it would be by Distribution.
 */
export class UploadSessions {
  private readonly sessions = new Map<string, UploadSession>();
  private readonly secret = randomBytes(32);

  /** Opens a new session in `repository`. */
  create(repository: string): UploadSession {
    const session = new UploadSession(randomUUID(), repository);
    this.sessions.set(session.id, session);
    return session;
  }

  /** Returns the session when it is open and belongs to `repository`. */
  get(repository: string, id: string): UploadSession | undefined {
    const session = this.sessions.get(id);
    return session?.repository === repository ? session : undefined;
  }

  /** Closes the session; returns false when it was not open. */
  delete(id: string): boolean {
    return this.sessions.delete(id);
  }

  /** Closes every session. */
  clear(): void {
    this.sessions.clear();
  }

  /** Returns the `_state` value for the session at its current offset. */
  state(session: UploadSession): string {
    return `${session.size}.${this.sign(session, session.size)}`;
  }

  /**
   * Checks the `_state` value sent back by the client: `invalid` when it is
   * missing or not signed by this server for this session, `stale` when it
   * was issued at another offset than the session has now.
   */
  checkState(session: UploadSession, state: string | null): StateCheck {
    const match = /^(\d{1,15})\.([A-Za-z0-9_-]+)$/.exec(state ?? '');
    if (!match?.[1] || !match[2]) {
      return 'invalid';
    }
    const offset = Number(match[1]);
    const expected = Buffer.from(this.sign(session, offset));
    const actual = Buffer.from(match[2]);
    if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) {
      return 'invalid';
    }
    return offset === session.size ? 'ok' : 'stale';
  }

  private sign(session: UploadSession, offset: number): string {
    return createHmac('sha256', this.secret)
      .update(`${session.repository}\n${session.id}\n${offset}`)
      .digest('base64url');
  }
}
