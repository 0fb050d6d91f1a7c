/**
 * Loading a tag policy from a JSON or YAML file. The only module of the
 * scheme that reads files.
 *
 * @module
 */
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { TagPolicyError } from './errors.js';
import { parseTagPolicy, type TagPolicy } from './policy.js';
import { describeYamlError, formatYamlPosition } from './yaml-error.js';

/**
 * Reads and validates a tag policy file. Files ending in `.json` are parsed
 * as JSON, every other file as YAML 1.2 (of which JSON is a subset). An empty
 * file gives the default policy.
 *
 * @throws TagPolicyError naming the file when it cannot be read or parsed,
 *   and naming the file and the field when the policy is invalid.
 */
export async function loadTagPolicyFile(path: string): Promise<TagPolicy> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : (error as Error).message;
    throw new TagPolicyError('policy', `${path}: cannot read the tag policy: ${reason}`, { cause: error });
  }
  return parseTagPolicyText(text, path);
}

/**
 * Parses and validates the text of a tag policy file. `path` picks the format
 * (JSON for `.json`, else YAML) and names the file in messages.
 *
 * @throws TagPolicyError as {@link loadTagPolicyFile} does.
 */
export function parseTagPolicyText(text: string, path: string): TagPolicy {
  if (text.trim() === '') {
    return parseTagPolicy(undefined, path);
  }
  let document: unknown;
  try {
    document = extname(path).toLowerCase() === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    if (error instanceof YAMLParseError) {
      const problem = describeYamlError(error);
      throw new TagPolicyError('policy', `${path}${formatYamlPosition(problem)}: invalid YAML: ${problem.reason}`, { cause: error });
    }
    const reason = error instanceof Error ? error.message : String(error);
    throw new TagPolicyError('policy', `${path}: invalid ${formatOf(path)}: ${reason.split('\n')[0]}`, { cause: error });
  }
  return parseTagPolicy(document, path);
}

function formatOf(path: string): string {
  return extname(path).toLowerCase() === '.json' ? 'JSON' : 'YAML';
}
