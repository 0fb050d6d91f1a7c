import { TagkeeperError } from '../../src/errors.js';

/**
 * A program the real-component tests run is not installed. Real-registry
 * tests fail with this error instead of skipping, so a missing tool is seen.
 */
export class ToolMissingError extends TagkeeperError {
  override readonly name = 'ToolMissingError';
  readonly code = 'TOOL_MISSING';
  /** The program that was looked up, such as `docker-registry`. */
  readonly tool: string;

  constructor(tool: string, debianPackage: string) {
    super(
      `${tool} is not installed, and the real-registry tests need it: ` +
        `install it with "apt-get install ${debianPackage}", or run "npm test", which installs it`,
    );
    this.tool = tool;
  }
}

/** A command-line tool (skopeo, openssl) exited with an error or timed out. */
export class CommandFailedError extends TagkeeperError {
  override readonly name = 'CommandFailedError';
  readonly code = 'COMMAND_FAILED';
  /** The command line with credentials replaced by `***`. */
  readonly command: string;
  /** The exit code, or undefined when the process did not start or a signal or the time-out ended it. */
  readonly exitCode: number | undefined;
  /** The last part of the tool's stderr, with credentials replaced by `***`. */
  readonly stderr: string;

  constructor(init: { command: string; outcome: string; exitCode?: number; stderr: string; cause?: unknown }) {
    const stderr = init.stderr.trim();
    super(`${init.command} ${init.outcome}${stderr ? `: ${stderr}` : ' and wrote nothing to stderr'}`, { cause: init.cause });
    this.command = init.command;
    this.exitCode = init.exitCode;
    this.stderr = stderr;
  }
}

/** A test server (the registry, the token server) did not start or stop. */
export class ServerStartError extends TagkeeperError {
  override readonly name = 'ServerStartError';
  readonly code = 'SERVER_START_FAILED';
}

/** A suite read its registry before `beforeAll` started it, or after `afterAll` stopped it. */
export class RegistryNotRunningError extends TagkeeperError {
  override readonly name = 'RegistryNotRunningError';
  readonly code = 'REGISTRY_NOT_RUNNING';
}

/** The options of a test registry or token server are invalid, such as a username containing `:`. */
export class InvalidRegistryOptionsError extends TagkeeperError {
  override readonly name = 'InvalidRegistryOptionsError';
  readonly code = 'INVALID_REGISTRY_OPTIONS';
}

/** A request to the test token server is invalid, such as a malformed scope; the server returns 400. */
export class InvalidTokenRequestError extends TagkeeperError {
  override readonly name = 'InvalidTokenRequestError';
  readonly code = 'INVALID_TOKEN_REQUEST';
}

/** An image spec given to the OCI layout builder is invalid. */
export class InvalidImageSpecError extends TagkeeperError {
  override readonly name = 'InvalidImageSpecError';
  readonly code = 'INVALID_IMAGE_SPEC';
}

/** A digest reported by a tool differs from the digest the harness expected. */
export class HarnessDigestMismatchError extends TagkeeperError {
  override readonly name = 'HarnessDigestMismatchError';
  readonly code = 'HARNESS_DIGEST_MISMATCH';
}
