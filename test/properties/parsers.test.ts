/**
 * Every parser of user or registry input, fed random, near-valid and very
 * long input: each one returns or throws a typed tagkeeper error, never a
 * TypeError, RangeError or a library's own error, and finishes in time.
 * A regular expression with exponential backtracking would time the test out.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { parseDuration } from '../../src/audit/duration.js';
import { parseLedger } from '../../src/audit/ledger.js';
import { findValuesImages } from '../../src/helm/pin-values.js';
import { parseWwwAuthenticate } from '../../src/registry/auth/challenge.js';
import { parseDigest } from '../../src/registry/digest.js';
import { nextLink } from '../../src/registry/endpoints.js';
import { decodeManifest } from '../../src/registry/manifest-decode.js';
import { parsePlatform } from '../../src/registry/platform.js';
import { parseReference, parseRegistry, parseRepository } from '../../src/registry/reference.js';
import { parseRetryAfter } from '../../src/registry/transport/retry.js';
import { MediaType } from '../../src/registry/wire.js';
import { parseTagPolicy } from '../../src/scheme/policy.js';
import { parseTagPolicyText } from '../../src/scheme/policy-file.js';
import { parseTag } from '../../src/scheme/tag.js';
import { parseTagList } from '../../src/scheme/tag-list.js';
import { BUILD_METADATA_RULES, parseVersion } from '../../src/scheme/version.js';
import { parserInput, untypedFailure } from './inputs.js';

/** Runs per property; each run is a few microseconds, so many runs stay fast. */
const RUNS = 400;
const DIGEST = `sha256:${'a1'.repeat(32)}`;

interface TextParser {
  name: string;
  samples: string[];
  parse(input: string): unknown;
}

const TEXT_PARSERS: TextParser[] = [
  ...BUILD_METADATA_RULES.map((rule) => ({
    name: `parseVersion (build metadata ${rule})`,
    // Rule `reject` turns build metadata away, so its samples have none.
    samples: ['3.4.13', '1.0.2u', '2023.1.1', '1.2', '1.2.3.4', 'v1.2.3', '1.0.0-rc.1', ...(rule === 'reject' ? [] : ['17.0.9+9'])],
    parse: (input: string) => parseVersion(input, { buildMetadata: rule }),
  })),
  { name: 'parseTag', samples: ['3.4.13-debian-10-r8', '3', '3-debian-10', 'latest', '3.4.13', '17.0.9-9-debian-12-r0'], parse: parseTag },
  {
    name: 'parseReference',
    samples: ['ghcr.io/acme/etcd:3.4', `127.0.0.1:5000/app@${DIGEST}`, 'etcd', 'docker.io/library/etcd:latest', `[::1]:5000/a/b:c@${DIGEST}`],
    parse: parseReference,
  },
  { name: 'parseRepository', samples: ['ghcr.io/acme/etcd', '127.0.0.1:5000/app', 'etcd'], parse: parseRepository },
  { name: 'parseRegistry', samples: ['ghcr.io', '127.0.0.1:5000', '[::1]:5000', 'localhost'], parse: parseRegistry },
  { name: 'parseDigest', samples: [DIGEST, `sha512:${'b2'.repeat(64)}`], parse: parseDigest },
  { name: 'parsePlatform', samples: ['linux/amd64', 'linux/arm64/v8', 'windows/amd64'], parse: parsePlatform },
  {
    name: 'parseWwwAuthenticate',
    samples: [
      'Bearer realm="https://auth.example/token",service="registry.example",scope="repository:app:pull"',
      'Basic realm="registry"',
      'Bearer realm="https://a/token", Basic realm="b"',
      'Bearer realm="https://a/token",error="insufficient_scope",scope="repository:a:pull,push"',
    ],
    parse: parseWwwAuthenticate,
  },
  {
    name: 'nextLink',
    samples: ['</v2/app/tags/list?n=100&last=b>; rel="next"', '<https://r.example/v2/_catalog?last=x>; rel=next, <a>; rel="prev"'],
    parse: nextLink,
  },
  { name: 'parseTagList', samples: ['1.0.0-debian-12-r0\n1.0.0\nlatest\n', '# comment\n3\n\n3-debian-10'], parse: (input) => parseTagList(input) },
  {
    name: 'parseTagPolicyText (YAML)',
    samples: ['levels: [latest, major, minor, version-distro]\ndefaultDistro: debian-12\n', 'latest: never\n', 'levels: []\n'],
    parse: (input) => parseTagPolicyText(input, 'policy.yaml'),
  },
  {
    name: 'parseTagPolicyText (JSON)',
    samples: ['{"levels":["latest","major"],"defaultDistro":"debian-12"}', '{"latest":"always","latestBranch":"3.5"}'],
    parse: (input) => parseTagPolicyText(input, 'policy.json'),
  },
  {
    name: 'findValuesImages',
    samples: [
      'image:\n  registry: docker.io\n  repository: bitnami/etcd\n  tag: "3.5"\n',
      'a: &x\n  image: ghcr.io/acme/app:1\nb: *x\n',
      'image:\n  repository: etcd\n  tag: 3\n  digest: ""\n---\nother: 1\n',
    ],
    parse: (input) => findValuesImages(input, 'values.yaml'),
  },
  {
    name: 'parseLedger',
    samples: [`{"version":1,"entries":{"ghcr.io/acme/etcd:1.0.0-debian-12-r0":{"digest":"${DIGEST}","firstSeen":"2024-01-01T00:00:00.000Z"}}}`],
    parse: (input) => parseLedger('ledger.json', input),
  },
  { name: 'parseDuration', samples: ['30m', '12h', '7d', '2w', '90s'], parse: (input) => parseDuration(input) },
  {
    name: 'decodeManifest',
    samples: [
      JSON.stringify({ schemaVersion: 2, mediaType: MediaType.ociManifest, config: { mediaType: MediaType.ociConfig, digest: DIGEST, size: 2 }, layers: [] }),
      JSON.stringify({ schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: [{ mediaType: MediaType.ociManifest, digest: DIGEST, size: 3, platform: { os: 'linux', architecture: 'amd64' } }] }),
    ],
    parse: (input) => decodeManifest(Buffer.from(input), MediaType.ociManifest),
  },
];

describe('parsers on random and malformed input', () => {
  it.each(TEXT_PARSERS)('$name throws only typed errors', ({ samples, parse }) => {
    fc.assert(
      fc.property(parserInput(samples), (input) => {
        expect(untypedFailure(() => parse(input))).toBeUndefined();
      }),
      { numRuns: RUNS },
    );
  });

  it('samples of each parser are valid', () => {
    const rejected = TEXT_PARSERS.flatMap(({ name, samples, parse }) =>
      samples.filter((sample) => untypedFailure(() => parse(sample)) !== undefined || throwsAtAll(() => parse(sample))).map((sample) => `${name}: ${sample}`),
    );

    // Near-valid input only means something when the samples themselves parse.
    expect(rejected).toEqual([]);
  });

  it('parseTagPolicy throws only typed errors for any JSON value', () => {
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), fc.dictionary(fc.constantFrom('levels', 'latest', 'latestBranch', 'defaultDistro', 'buildMetadata', 'versionPrefix', 'other'), fc.jsonValue())), (input) => {
        expect(untypedFailure(() => parseTagPolicy(input, 'policy'))).toBeUndefined();
      }),
      { numRuns: RUNS },
    );
  });

  it('decodeManifest throws only typed errors for any JSON document and media type', () => {
    const mediaTypes = [...Object.values(MediaType), undefined, 'text/html', 'application/json; charset=utf-8', ''];
    fc.assert(
      fc.property(fc.jsonValue(), fc.constantFrom(...mediaTypes), (document, mediaType) => {
        expect(untypedFailure(() => decodeManifest(Buffer.from(JSON.stringify(document) ?? 'null'), mediaType))).toBeUndefined();
      }),
      { numRuns: RUNS },
    );
  });

  it('parseRetryAfter never throws or returns a negative wait', () => {
    fc.assert(
      fc.property(parserInput(['120', 'Wed, 21 Oct 2015 07:28:00 GMT', '0']), (input) => {
        const wait = parseRetryAfter(input, 0);
        // An absurdly long delay may come back as Infinity, which the retry loop treats as over its cap.
        expect(wait === undefined || wait >= 0).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });
});

function throwsAtAll(parse: () => unknown): boolean {
  try {
    parse();
    return false;
  } catch {
    return true;
  }
}
