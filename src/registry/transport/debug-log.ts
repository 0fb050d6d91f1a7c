import { redactSecrets, redactUrl } from '../redact.js';
import type { SecretRedactor } from '../redact.js';

/** Outcome of one exchange, for its debug line. */
export interface ExchangeRecord {
  method: string;
  url: string;
  /** HTTP status, or undefined when no response arrived. */
  status?: number;
  /** Failure code when no response arrived (`ECONNRESET`, `TIMEOUT`). */
  failure?: string;
  durationMs: number;
  /** Why the exchange was sent: a retry, a token request, a redirect, a second try after 401. */
  note?: string;
}

/**
 * Numbers every exchange of a transport and writes one line per exchange to
 * the `debug` option, such as
 * `#3 GET https://ghcr.io/v2/org/app/manifests/1.2 -> 200 in 41 ms (retry 2 of 4 after HTTP 503)`.
 * Headers and bodies are never written, and each line goes through the
 * redactor, so a credential that ends up in a URL or a note is masked too.
 */
export class DebugLog {
  readonly #sink: ((line: string) => void) | undefined;
  #count = 0;

  constructor(sink: ((line: string) => void) | undefined) {
    this.#sink = sink;
  }

  /** True when a sink is set; callers skip building notes otherwise. */
  get enabled(): boolean {
    return this.#sink !== undefined;
  }

  /** Returns the number of the next exchange. */
  next(): number {
    this.#count += 1;
    return this.#count;
  }

  /** Writes the line of exchange `id`. */
  write(id: number, record: ExchangeRecord, redactor?: SecretRedactor): void {
    if (!this.#sink) {
      return;
    }

    const outcome = record.status === undefined ? `failed (${record.failure ?? 'no response'})` : String(record.status);
    const note = record.note ? ` (${record.note})` : '';
    const line = `#${id} ${record.method} ${redactUrl(record.url)} -> ${outcome} in ${Math.round(record.durationMs)} ms${note}`;
    this.#sink(redactor ? redactor.redact(line) : redactSecrets(line));
  }
}
