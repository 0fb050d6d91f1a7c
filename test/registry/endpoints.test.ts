import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { appendQuery, nextLink, resolveLocation } from '../../src/registry/endpoints.js';
import type { RegistryResponse } from '../../src/registry/transport-types.js';

describe('nextLink', () => {
  it.each<[string | undefined, string | undefined]>([
    ['</v2/app/tags/list?last=b&n=2>; rel="next"', '/v2/app/tags/list?last=b&n=2'],
    ['<https://r.example/v2/_catalog?last=x>; rel=next', 'https://r.example/v2/_catalog?last=x'],
    ['</a?p=1>; rel="prev", </a?p=3>; rel="next"', '/a?p=3'],
    ['</a?p=3>; type="application/json"; rel="next"', '/a?p=3'],
    ['</a?p=3>; REL="Next"', '/a?p=3'],
    ['</a?p=3>; rel="next last"', '/a?p=3'],
    ['</a?p=1>; rel="prev"', undefined],
    ['</a?p=1>', undefined],
    ['garbage', undefined],
    [undefined, undefined],
  ])('reads %j', (header, expected) => {
    expect(nextLink(header)).toBe(expected);
  });
});

describe('appendQuery', () => {
  it.each([
    ['/v2/app/blobs/uploads/u', '/v2/app/blobs/uploads/u?digest=sha256%3Aab'],
    ['/v2/app/blobs/uploads/u?_state=a%2Bb%3D%3D~x', '/v2/app/blobs/uploads/u?_state=a%2Bb%3D%3D~x&digest=sha256%3Aab'],
    ['/v2/app/blobs/uploads/u?', '/v2/app/blobs/uploads/u?digest=sha256%3Aab'],
    ['https://r.example/u?a=1&', 'https://r.example/u?a=1&digest=sha256%3Aab'],
    ['https://r.example/u?a=1#frag', 'https://r.example/u?a=1&digest=sha256%3Aab'],
  ])('appends to %s keeping the query byte for byte', (url, expected) => {
    expect(appendQuery(url, 'digest', 'sha256:ab')).toBe(expected);
  });
});

describe('resolveLocation', () => {
  const response = (location: string | undefined): RegistryResponse => ({
    status: 202,
    headers: location === undefined ? {} : { location },
    body: Object.assign(Readable.from([]), { text: async () => '', arrayBuffer: async () => new ArrayBuffer(0) }),
    url: 'https://r.example:5000/v2/app/blobs/uploads/',
    method: 'POST',
  });

  it.each([
    ['/v2/app/blobs/uploads/u?_state=s', 'https://r.example:5000/v2/app/blobs/uploads/u?_state=s'],
    ['u2?_state=s', 'https://r.example:5000/v2/app/blobs/uploads/u2?_state=s'],
    ['https://storage.example/upload?sig=1', 'https://storage.example/upload?sig=1'],
  ])('resolves %s', (location, expected) => {
    expect(resolveLocation(response(location))).toBe(expected);
  });

  it('reports a missing Location', () => {
    expect(() => resolveLocation(response(undefined))).toThrow(expect.objectContaining({ code: 'MISSING_LOCATION' }));
  });
});
