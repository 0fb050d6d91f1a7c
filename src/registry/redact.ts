/**
 * Removal of credentials from URLs and text before they reach an error
 * message, a debug line or a log.
 */

/**
 * Query parameters whose values are safe to show: they name what a request is
 * about, never who sends it. The same allow-list as go-containerregistry's
 * redacting transport.
 */
const VISIBLE_QUERY_PARAMETERS = new Set(['scope', 'service', 'n', 'last', 'digest', 'mount', 'from']);

const MASK = '***';

/**
 * Removes userinfo from `url` and masks the value of every query parameter
 * outside `scope`, `service`, `n`, `last`, `digest`, `mount` and `from`, so
 * signed blob-storage URLs (`X-Amz-Signature=…`) and tokens in query strings
 * do not leak. Text that does not parse as an absolute URL is returned with
 * anything up to an `@` before the host removed.
 */
export function redactUrl(url: string): string {
  // Without userinfo or a query there is nothing to mask; most URLs a client sends are like that.
  if (!url.includes('@') && !url.includes('?')) {
    return url;
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return redactRelativeUrl(url);
  }

  parsed.username = '';
  parsed.password = '';
  maskQuery(parsed.searchParams);
  return parsed.toString();
}

function redactRelativeUrl(url: string): string {
  const withoutUserinfo = url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, '$1');
  const queryStart = withoutUserinfo.indexOf('?');
  if (queryStart === -1) {
    return withoutUserinfo;
  }

  const hashStart = withoutUserinfo.indexOf('#', queryStart);
  const query = withoutUserinfo.slice(queryStart + 1, hashStart === -1 ? undefined : hashStart);
  const parameters = new URLSearchParams(query);
  maskQuery(parameters);
  return `${withoutUserinfo.slice(0, queryStart)}?${parameters.toString()}`;
}

function maskQuery(parameters: URLSearchParams): void {
  for (const name of new Set(parameters.keys())) {
    if (!VISIBLE_QUERY_PARAMETERS.has(name.toLowerCase())) {
      parameters.set(name, MASK);
    }
  }
}

/**
 * Credential shapes that are masked in any text, known secret or not:
 * `Authorization` values, JWTs and JSON fields that carry tokens or passwords.
 */
const SECRET_PATTERNS: ReadonlyArray<[RegExp, string]> = [
  [/\b(Basic|Bearer)\s+[A-Za-z0-9._~+/=-]{4,}/gi, `$1 ${MASK}`],
  [/\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g, MASK],
  [
    /("(?:token|access_token|refresh_token|identitytoken|registrytoken|password|secret|auth)"\s*:\s*)"(?:[^"\\]|\\.)*"/gi,
    `$1"${MASK}"`,
  ],
  [/\b((?:access_token|refresh_token|password|token)=)[^&\s"]+/gi, `$1${MASK}`],
];

/**
 * Masks credentials in text: the secrets added to it in plain, base64 and
 * URL-encoded form (and `username:password` pairs in base64, as in a Basic
 * `Authorization` value), and any text that matches {@link SECRET_PATTERNS}.
 */
export class SecretRedactor {
  /** Secrets as added. Their encoded forms are built on the first `redact`, because most redactors never redact. */
  readonly #secrets = new Set<string>();
  #forms: string[] | undefined;

  /** Adds a secret; values shorter than 4 characters are ignored because masking them would garble ordinary text. */
  add(secret: string | undefined): this {
    if (secret === undefined || secret.length < 4 || this.#secrets.has(secret)) {
      return this;
    }

    this.#secrets.add(secret);
    this.#forms = undefined;
    return this;
  }

  /** Adds a username and password as a pair (`username:password`, the Basic form) and the password alone. */
  addBasic(username: string | undefined, password: string | undefined): this {
    if (password === undefined) {
      return this;
    }

    this.add(`${username ?? ''}:${password}`);
    return this.add(password);
  }

  /** Adds every secret of `other`. */
  merge(other: SecretRedactor | undefined): this {
    for (const secret of other === undefined ? [] : other.#secrets) {
      this.add(secret);
    }
    return this;
  }

  /** Returns `text` with every known secret and credential-shaped substring masked. */
  redact(text: string): string {
    let result = text;
    for (const form of this.#encodedForms()) {
      result = result.split(form).join(MASK);
    }

    return redactSecrets(result);
  }

  /** Returns every secret in plain, base64 and URL-encoded form, longest first, so a base64 form is masked whole before a shorter secret inside it. */
  #encodedForms(): string[] {
    if (this.#forms === undefined) {
      const forms = new Set<string>();
      for (const secret of this.#secrets) {
        const base64 = Buffer.from(secret).toString('base64');
        forms.add(secret);
        forms.add(base64);
        forms.add(base64.replace(/=+$/, ''));
        forms.add(Buffer.from(secret).toString('base64url'));
        forms.add(encodeURIComponent(secret));
      }
      this.#forms = [...forms].sort((a, b) => b.length - a.length);
    }
    return this.#forms;
  }
}

/** Masks credential-shaped substrings (`Authorization` values, JWTs, token and password fields) in `text`. */
export function redactSecrets(text: string): string {
  let result = text;
  for (const [pattern, replacement] of SECRET_PATTERNS) {
    result = result.replace(pattern, replacement);
  }
  return result;
}
