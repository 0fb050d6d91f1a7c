import { TagkeeperError } from '../../errors.js';

/**
 * One challenge of a `WWW-Authenticate` header (RFC 7235, section 4.1), such as
 * `Bearer realm="https://ghcr.io/token",service="ghcr.io",scope="repository:org/app:pull"`.
 */
export interface Challenge {
  /** Auth scheme in lower case: `basic`, `bearer`, or any other the server names. */
  scheme: string;
  /** Parameters with lower-case names and unquoted, unescaped values. */
  params: Record<string, string>;
  /** The token68 form (`Negotiate YIIB…`), present instead of parameters. */
  token68?: string;
}

/** A `WWW-Authenticate` header does not follow the RFC 7235 grammar. */
export class InvalidChallengeError extends TagkeeperError {
  override readonly name = 'InvalidChallengeError';
  readonly code = 'INVALID_CHALLENGE';

  constructor(
    /** The header as received, cut to 200 characters. */
    readonly header: string,
    reason: string,
  ) {
    super(`invalid WWW-Authenticate header "${header.slice(0, 200)}": ${reason}; the registry sent a challenge tagkeeper cannot read`);
  }
}

/** `tchar` of RFC 7230, section 3.2.6. */
const TOKEN_CHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;
/** Characters of RFC 7235 `token68` before its trailing `=` padding. */
const TOKEN68_CHAR = /[A-Za-z0-9\-._~+/]/;

/**
 * Parses a `WWW-Authenticate` header into its challenges (RFC 7235,
 * section 4.1). Handles several challenges in one header, quoted values
 * with backslash escapes and commas inside them
 * (`scope="repository:a:pull,push"`), unquoted token values, and the token68
 * form. An empty header gives no challenges. Every step consumes input, so
 * any string ends in a result or an {@link InvalidChallengeError}.
 *
 * @example parseWwwAuthenticate('Basic realm="Registry Realm"')
 * // [{ scheme: 'basic', params: { realm: 'Registry Realm' } }]
 */
export function parseWwwAuthenticate(header: string): Challenge[] {
  const scanner = new Scanner(header);
  const challenges: Challenge[] = [];

  scanner.skipListSeparators();
  while (!scanner.done) {
    const scheme = scanner.token();
    if (scheme === '') {
      throw scanner.error('expected an auth scheme');
    }

    const challenge: Challenge = { scheme: scheme.toLowerCase(), params: {} };
    challenges.push(challenge);

    // A scheme followed by a comma or the end has no parameters.
    if (!scanner.skipSpaces() || scanner.peek() === ',') {
      scanner.expectListEnd();
      continue;
    }

    const token68 = scanner.token68();
    if (token68 !== undefined) {
      challenge.token68 = token68;
      scanner.expectListEnd();
      continue;
    }

    parseParams(scanner, challenge);
  }

  return challenges;
}

/** Parses `name=value` pairs up to the end or to the scheme of the next challenge. */
function parseParams(scanner: Scanner, challenge: Challenge): void {
  while (!scanner.done) {
    const start = scanner.position;
    const name = scanner.token();
    if (name === '') {
      throw scanner.error('expected a parameter name');
    }

    scanner.skipSpaces();
    if (scanner.peek() !== '=') {
      // A token without "=" is the scheme of the next challenge.
      scanner.position = start;
      return;
    }
    scanner.position += 1;
    scanner.skipSpaces();

    const quoted = scanner.peek() === '"';
    const value = quoted ? scanner.quotedString() : scanner.token();
    if (!quoted && value === '') {
      throw scanner.error(`expected a value for parameter "${name}"`);
    }

    // RFC 7235 allows each name once per challenge; the first occurrence wins.
    const key = name.toLowerCase();
    if (!(key in challenge.params)) {
      challenge.params[key] = value;
    }
    scanner.expectListEnd();
  }
}

/** A cursor over the header; every method either consumes input or reports that it matched nothing. */
class Scanner {
  position = 0;

  constructor(readonly input: string) {}

  get done(): boolean {
    return this.position >= this.input.length;
  }

  peek(): string | undefined {
    return this.input[this.position];
  }

  /** Skips spaces and tabs; returns true when there were any. */
  skipSpaces(): boolean {
    const start = this.position;
    while (this.peek() === ' ' || this.peek() === '\t') {
      this.position += 1;
    }
    return this.position > start;
  }

  /** Skips commas and whitespace between list elements, including empty elements (RFC 7230, section 7). */
  skipListSeparators(): void {
    while (this.peek() === ',' || this.peek() === ' ' || this.peek() === '\t') {
      this.position += 1;
    }
  }

  /** Requires the end of the input or a comma (with optional whitespace) after a list element. */
  expectListEnd(): void {
    this.skipSpaces();
    if (this.done) {
      return;
    }
    if (this.peek() !== ',') {
      throw this.error(`unexpected character "${this.peek() ?? ''}"`);
    }
    this.skipListSeparators();
  }

  token(): string {
    const start = this.position;
    while (!this.done && TOKEN_CHAR.test(this.input[this.position] ?? '')) {
      this.position += 1;
    }
    return this.input.slice(start, this.position);
  }

  /** Reads a token68 that is followed by the end or a comma, else consumes nothing. */
  token68(): string | undefined {
    const start = this.position;
    let end = start;
    while (end < this.input.length && TOKEN68_CHAR.test(this.input[end] ?? '')) {
      end += 1;
    }
    if (end === start) {
      return undefined;
    }
    while (this.input[end] === '=') {
      end += 1;
    }

    let after = end;
    while (this.input[after] === ' ' || this.input[after] === '\t') {
      after += 1;
    }
    if (after < this.input.length && this.input[after] !== ',') {
      return undefined;
    }

    this.position = end;
    return this.input.slice(start, end);
  }

  /** Reads a quoted-string (RFC 7230, section 3.2.6) and returns its content with escapes removed. */
  quotedString(): string {
    const start = this.position;
    this.position += 1;
    let value = '';
    while (!this.done) {
      const char = this.input[this.position] ?? '';
      if (char === '"') {
        this.position += 1;
        return value;
      }
      if (char === '\\') {
        if (this.position + 1 >= this.input.length) {
          break;
        }
        value += this.input[this.position + 1];
        this.position += 2;
        continue;
      }
      if (char < ' ' && char !== '\t') {
        throw this.error('control character inside a quoted value');
      }
      value += char;
      this.position += 1;
    }

    this.position = start;
    throw this.error('unterminated quoted value');
  }

  error(reason: string): InvalidChallengeError {
    return new InvalidChallengeError(this.input, `${reason} at position ${this.position}`);
  }
}
