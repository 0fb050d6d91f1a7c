/**
 * The tag policy of a repository: which rolling tags its releases get and how
 * upstream versions map to tags.
 *
 * @module
 */
import { z } from 'zod';
import { DISTRO_PATTERN } from './distro.js';
import { TagPolicyError } from './errors.js';
import { DEFAULT_LEVELS, ROLLING_LEVELS } from './levels.js';
import { BUILD_METADATA_RULES } from './version.js';

/** Modes of `latest`: `auto` moves it by the move rules, `never` not at all, `always` with every eligible release. */
export const LATEST_MODES = ['auto', 'never', 'always'] as const;

/** A release line for `latest`, such as `3.5` or `v2`: dot-separated numbers with an optional `v`. */
export const LATEST_BRANCH_PATTERN = /^v?[0-9]+(?:\.[0-9]+)*$/;

/**
 * Schema of a tag policy. Every field is optional in the input and gets the
 * default shown below; `defaultDistro` and `latestBranch` have none.
 */
export const TagPolicy = z
  .strictObject({
    /** Rolling levels to tag; default latest, major, major-distro, version. */
    levels: z.array(z.enum(ROLLING_LEVELS)).default(() => [...DEFAULT_LEVELS]),
    /** Distro that tags without a distro (`3`, `latest`) stand for. */
    defaultDistro: z
      .string()
      .regex(DISTRO_PATTERN, { error: 'expected lowercase letters, "-" and a version, such as debian-12' })
      .optional(),
    /** Mode of `latest`; default `auto`. */
    latest: z.enum(LATEST_MODES).default('auto'),
    /** Release line that `latest` follows, such as `3.5`; default none, so the whole repository. */
    latestBranch: z
      .string()
      .regex(LATEST_BRANCH_PATTERN, { error: 'expected dot-separated numbers such as 3 or 3.5' })
      .optional(),
    /** Whether prereleases get major and minor tags and count in their comparisons; default false. */
    prereleaseTags: z.boolean().default(false),
    /** Mapping of `+build` metadata in upstream versions; default `hyphen`. */
    buildMetadata: z.enum(BUILD_METADATA_RULES).default('hyphen'),
    /** Whether a leading `v` of an upstream version stays in tags; default `keep`. */
    versionPrefix: z.enum(['keep', 'drop']).default('keep'),
  })
  .superRefine((policy, context) => {
    policy.levels.forEach((level, index) => {
      if (policy.levels.indexOf(level) !== index) {
        context.addIssue({ code: 'custom', path: ['levels', index], message: `duplicate level "${level}"` });
      }
    });
    const tagsLatest = policy.levels.includes('latest');
    if (policy.latest === 'always' && !tagsLatest) {
      context.addIssue({
        code: 'custom',
        path: ['latest'],
        message: '"always" needs "latest" in policy.levels',
      });
    }
    if (policy.latestBranch !== undefined && (!tagsLatest || policy.latest === 'never')) {
      context.addIssue({
        code: 'custom',
        path: ['latestBranch'],
        message: 'a latest branch needs "latest" in policy.levels and policy.latest "auto" or "always"',
      });
    }
  });

/** A validated tag policy, with every default filled in. */
export type TagPolicy = z.output<typeof TagPolicy>;

/** A tag policy as written by a user: every field optional. */
export type TagPolicyInput = z.input<typeof TagPolicy>;

/** Field names of a tag policy, for messages. */
const POLICY_FIELDS = Object.keys(TagPolicy.shape);

const VALUE_NOUNS: Readonly<Record<string, string>> = {
  levels: 'level',
  latest: 'latest mode',
  buildMetadata: 'build metadata rule',
  versionPrefix: 'version prefix mode',
};

/**
 * Validates `input` as a tag policy and fills in the defaults. `undefined` and
 * `null` (an empty policy file) give the default policy.
 *
 * @param source - Where the policy comes from, such as a file path; it starts the error message.
 * @throws TagPolicyError naming the first bad field, such as `policy.levels[2]`,
 *   with every problem in the message.
 */
export function parseTagPolicy(input: unknown, source?: string): TagPolicy {
  const result = TagPolicy.safeParse(input ?? {});
  if (result.success) {
    return result.data;
  }
  const problems = result.error.issues.map((issue) => describeIssue(issue, input));
  const field = problems[0]?.field ?? 'policy';
  const message = problems.map((problem) => problem.text).join('; ');
  throw new TagPolicyError(field, source === undefined ? message : `${source}: ${message}`);
}

/**
 * Returns the policy's default distro.
 *
 * @throws TagPolicyError when the policy names none.
 */
export function requireDefaultDistro(policy: TagPolicy): string {
  if (policy.defaultDistro === undefined) {
    throw new TagPolicyError(
      'policy.defaultDistro',
      'policy.defaultDistro: missing; name the distro that tags without a distro stand for, such as debian-12',
    );
  }
  return policy.defaultDistro;
}

type Issue = z.core.$ZodIssue;

function describeIssue(issue: Issue, input: unknown): { field: string; text: string } {
  const field = formatPath(issue.path);
  const value = valueAt(input, issue.path);
  const key = [...issue.path].reverse().find((part) => typeof part === 'string');
  let text: string;
  switch (issue.code) {
    case 'invalid_value': {
      const noun = (typeof key === 'string' && VALUE_NOUNS[key]) || 'value';
      text = `unknown ${noun} ${JSON.stringify(value)}; expected one of ${issue.values.join(', ')}`;
      break;
    }
    case 'invalid_type':
      text = `expected ${issue.expected}, got ${describeValue(value)}`;
      if (issue.expected === 'string' && typeof value === 'number') {
        // YAML reads `latestBranch: 3.10` as the number 3.1, so the fix is quoting, not a conversion.
        text += `; quote it, as in "${value}", so that YAML reads a string`;
      }
      break;
    case 'unrecognized_keys':
      return {
        field: formatPath([...issue.path, issue.keys[0] ?? '']),
        text: issue.keys
          .map((unknown) => `${formatPath([...issue.path, unknown])}: unknown field; expected one of ${POLICY_FIELDS.join(', ')}`)
          .join('; '),
      };
    case 'invalid_format':
      text = `invalid value ${JSON.stringify(value)}: ${issue.message}`;
      break;
    default:
      text = issue.message;
  }
  return { field, text: `${field}: ${text}` };
}

function formatPath(path: readonly PropertyKey[]): string {
  let text = 'policy';
  for (const part of path) {
    text += typeof part === 'number' ? `[${part}]` : `.${String(part)}`;
  }
  return text;
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const part of path) {
    if (typeof value !== 'object' || value === null) {
      return undefined;
    }
    value = (value as Record<PropertyKey, unknown>)[part];
  }
  return value;
}

function describeValue(value: unknown): string {
  if (value === null) {
    return 'null';
  }
  if (Array.isArray(value)) {
    return 'an array';
  }
  return typeof value === 'string' ? `string ${JSON.stringify(value)}` : `${typeof value} ${JSON.stringify(value) ?? ''}`.trim();
}
