import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startCountingProxy, type CountingProxy } from '../support/counting-proxy.js';
import { createCountingDispatcher } from '../support/counting-dispatcher.js';
import { parseBenchOptions, SCENARIO_NAMES } from '../support/options.js';
import { formatTable, notRun, prepareOutput } from '../support/results.js';
import { schemeLayout, schemeLayoutOfSize } from '../support/scheme-layout.js';
import { measurePair, median } from '../support/stats.js';

describe('median', () => {
  it.each([
    [[3, 1, 2], 2],
    [[4, 1, 3, 2], 2.5],
    [[7], 7],
  ])('median of %j is %d', (values, expected) => {
    expect(median(values)).toBe(expected);
  });

  it('median of nothing is NaN', () => {
    expect(median([])).toBeNaN();
  });
});

describe('measurePair', () => {
  it('alternates which side runs first', async () => {
    const order: string[] = [];
    await measurePair(
      async (round) => void order.push(`s${round}`),
      async (round) => void order.push(`b${round}`),
      3,
      1,
    );
    expect(order).toEqual(['s-1', 'b-1', 's0', 'b0', 'b1', 's1', 's2', 'b2']);
  });
});

describe('parseBenchOptions', () => {
  it('defaults to every scenario', () => {
    const options = parseBenchOptions([], {});
    expect(options?.only).toEqual([...SCENARIO_NAMES]);
    expect(options?.layerMib).toBe(64);
  });

  it.each([
    [['--only', 'resolve'], {}, 'only', ['resolve']],
    [['--only', 'token,list'], {}, 'only', ['list', 'token']],
    [['--large'], {}, 'layerMib', 512],
    [[], { TAGKEEPER_BENCH_RESOLVE_TAGS: '200' }, 'resolveTags', 200],
    [['--resolve-tags', '300'], { TAGKEEPER_BENCH_RESOLVE_TAGS: '200' }, 'resolveTags', 300],
    [['--tagset-sizes', '100,1000'], {}, 'tagsetSizes', [100, 1000]],
  ])('%j with env %j sets %s', (argv, env, key, expected) => {
    const options = parseBenchOptions(argv, env) as unknown as Record<string, unknown>;
    expect(options[key]).toEqual(expected);
  });

  it.each([
    [['--only', 'nothing'], /not a scenario/],
    [['--runs', '0'], /--runs "0" is invalid/],
    [['--runs', 'two'], /whole number/],
    [['--unknown'], /--help/],
    [['--tagset-sizes', '5'], /at least 10/],
    [['--output', ''], /--output is empty/],
    [['--runs', '-1'], /^[^\n]*--help[^\n]*$/],
  ])('rejects %j', (argv, message) => {
    expect(() => parseBenchOptions(argv, {})).toThrow(message);
  });

  it('names the variable of a bad tagset size', () => {
    expect(() => parseBenchOptions([], { TAGKEEPER_BENCH_TAGSET_SIZES: '10,x' })).toThrow(/^TAGKEEPER_BENCH_TAGSET_SIZES entry "x"/);
  });

  it('returns undefined for --help', () => {
    expect(parseBenchOptions(['--help'], {})).toBeUndefined();
  });
});

describe('prepareOutput', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bench-output-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('makes missing folders', async () => {
    await prepareOutput(join(dir, 'a', 'b', 'results.json'));

    expect((await stat(join(dir, 'a', 'b'))).isDirectory()).toBe(true);
  });

  it('rejects a folder as the file', async () => {
    await expect(prepareOutput(dir)).rejects.toThrow(/is a folder/);
  });

  it('rejects a path below a file', async () => {
    await writeFile(join(dir, 'file.json'), '{}');

    await expect(prepareOutput(join(dir, 'file.json', 'x.json'))).rejects.toThrow(/cannot be written/);
  });
});

describe('schemeLayout', () => {
  it('points rolling tags at the newest revision', () => {
    const layout = schemeLayout(2);
    expect(layout.rolling).toEqual(['1.0.0', '1.0.0-debian-12', '1.0.1', '1.0.1-debian-12']);
    expect(layout.twinOf.get('1.0.1')).toBe('1.0.1-debian-12-r1');
    expect(layout.twinOf.get('latest')).toBe('1.0.1-debian-12-r1');
  });

  it.each([7, 8, 200, 1001])('has exactly %d tags', (size) => {
    const layout = schemeLayoutOfSize(size);
    expect(layout.entries).toHaveLength(size);
    expect(new Set(layout.entries.map((entry) => entry.tag)).size).toBe(size);
  });
});

describe('formatTable', () => {
  it('shows the reason of a row that did not run', () => {
    expect(formatTable([notRun('audit', 'audit 50 repositories', '≤ 1.3×', 'its module did not load')])).toContain('not run: its module did not load');
  });
});

describe('counting', () => {
  let server: Server;
  let origin: string;
  let proxy: CountingProxy;

  beforeAll(async () => {
    server = createServer((incoming, outgoing) => {
      incoming.resume();
      incoming.on('end', () => outgoing.end(`${incoming.method} ${incoming.headers.host}`));
    });
    await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve));
    origin = `127.0.0.1:${(server.address() as AddressInfo).port}`;
    proxy = await startCountingProxy(origin);
  });

  afterAll(async () => {
    await proxy.stop();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('dispatcher counts requests by method', async () => {
    const counter = createCountingDispatcher(2);
    try {
      for (const method of ['GET', 'HEAD', 'GET']) {
        const response = await counter.dispatcher.request({ origin: `http://${origin}`, path: '/', method });
        await response.body.dump();
      }
      expect(counter.counts().total).toBe(3);
      expect(counter.counts().byMethod).toEqual({ GET: 2, HEAD: 1 });
      counter.reset();
      expect(counter.counts().total).toBe(0);
    } finally {
      await counter.close();
    }
  });

  it('proxy forwards with the Host header kept', async () => {
    proxy.reset();
    const body = await new Promise<string>((resolve, reject) => {
      const [host, port] = proxy.host.split(':');
      request({ host, port: Number(port), method: 'PUT', path: '/v2/' }, (response) => {
        let text = '';
        response.on('data', (chunk: Buffer) => (text += chunk.toString()));
        response.on('end', () => resolve(text));
      })
        .on('error', reject)
        .end('payload');
    });
    expect(body).toBe(`PUT ${proxy.host}`);
    expect(proxy.counts().byMethod).toEqual({ PUT: 1 });
  });
});
