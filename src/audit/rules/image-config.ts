/**
 * Config rules of rolling tags, each enabled by an option: `runs-as-root`
 * (`--require-non-root`) and `max-age` (`--max-age`). For an index every
 * platform image is checked, and one finding per tag lists the platforms
 * that fail.
 */
import { finding, type AuditFinding } from '../findings.js';
import { formatAge, formatDuration } from '../duration.js';
import { runsAsRoot, type PlatformImage } from '../image-config.js';

/** Which config rules run, and the clock they use. */
export interface ConfigRuleOptions {
  requireNonRoot: boolean;
  /** Maximum age of an image in milliseconds, or undefined to skip the age rule. */
  maxAgeMs: number | undefined;
  now: Date;
}

/** Returns true when any config rule is enabled, so the audit must read image configs. */
export function configRulesEnabled(options: ConfigRuleOptions): boolean {
  return options.requireNonRoot || options.maxAgeMs !== undefined;
}

/** Checks the platform images of rolling tag `tag` against the enabled config rules. */
export function checkImageConfigs(tag: string, images: readonly PlatformImage[], options: ConfigRuleOptions): AuditFinding[] {
  const findings: AuditFinding[] = [];
  if (options.requireNonRoot) {
    const rootImages = images.filter((image) => runsAsRoot(image.user));
    if (rootImages.length > 0) {
      const users = rootImages.map((image) => `${image.platform}: ${describeUser(image.user)}`).join('; ');
      findings.push(
        finding('runs-as-root', tag, `${tag} runs as root (${users}); set a non-root USER in the image`, {
          expected: 'a non-root user',
          actual: users,
        }),
      );
    }
  }
  if (options.maxAgeMs !== undefined) {
    const ageFinding = checkAge(tag, images, options.maxAgeMs, options.now);
    if (ageFinding) {
      findings.push(ageFinding);
    }
  }
  return findings;
}

function checkAge(tag: string, images: readonly PlatformImage[], maxAgeMs: number, now: Date): AuditFinding | undefined {
  const cutoff = new Date(now.getTime() - maxAgeMs);
  const old: string[] = [];
  for (const image of images) {
    const created = image.created === undefined ? Number.NaN : Date.parse(image.created);
    if (Number.isNaN(created)) {
      // An image without a readable build time cannot be shown to be recent.
      old.push(`${image.platform}: ${image.created === undefined ? 'no created time' : `unreadable created time "${image.created}"`}`);
    } else if (created < cutoff.getTime()) {
      old.push(`${image.platform}: created ${image.created}, ${formatAge(new Date(created), now)} ago`);
    }
  }
  if (old.length === 0) {
    return undefined;
  }
  const limit = formatDuration(maxAgeMs);
  return finding('max-age', tag, `${tag} is older than ${limit} (${old.join('; ')}); rebuild the image`, {
    expected: `created after ${cutoff.toISOString()}`,
    actual: old.join('; '),
  });
}

function describeUser(user: string): string {
  return user.trim() === '' ? 'no User set' : `User "${user}"`;
}
