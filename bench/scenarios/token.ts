/**
 * The resolve scenario on a registry with token auth (the token server of
 * test/support), against the same work on the anonymous registry. A client
 * that fetches one token per scope pays about one extra round trip; one
 * that fetched a token per request would double its requests.
 */
import type { BenchContext } from '../support/context.js';
import type { RequestCounts } from '../support/counting-dispatcher.js';
import { BenchSetupError } from '../support/errors.js';
import { side, type ScenarioRow } from '../support/results.js';
import { measurePair } from '../support/stats.js';
import { floorOnce, RESOLVE_REPOSITORY, resolveOnce } from './resolve.js';
import type { Scenario } from './scenario.js';

const TARGET_RATIO = 1.1;

export const scenario: Scenario = {
  name: 'token',
  work: (context) => `resolve ${context.options.resolveTags} rolling tags with token auth`,
  target: `≤ ${TARGET_RATIO}× anonymous, one token per scope`,
  async run(context: BenchContext): Promise<ScenarioRow[]> {
    const { resolveTags } = context.options;
    const anonymous = await context.schemeRepository('main', RESOLVE_REPOSITORY, resolveTags);
    const withToken = await context.schemeRepository('token', RESOLVE_REPOSITORY, resolveTags);
    const tokenServer = (await context.registry('token')).token;
    if (tokenServer === undefined) throw new BenchSetupError('the token registry started without a token server: start it with auth "token" and no token option');

    let requests: RequestCounts | undefined;
    let anonymousRequests: RequestCounts | undefined;
    let tokenRequests = 0;
    const samples = await measurePair(
      async () => {
        const before = tokenServer.requests;
        requests = await resolveOnce(context, withToken, 'token');
        tokenRequests = tokenServer.requests - before;
      },
      async () => {
        anonymousRequests = await resolveOnce(context, anonymous, 'main');
      },
      context.options.runs,
      context.options.warmup,
    );

    const subject = side('tagkeeper resolve, token auth', samples.subject, { requests: requests as RequestCounts });
    const baseline = side('tagkeeper resolve, anonymous', samples.baseline, { requests: anonymousRequests as RequestCounts });
    const ratio = subject.medianMs / baseline.medianMs;
    // Every request of a resolve needs the same scope, pull on one repository.
    const scopes = 1;

    // The registry checks the token's signature on every request, which costs time that no client
    // can save. The bare floor with one token fetched beforehand shows that cost alone.
    const registry = await context.registry('token');
    const token = await fetchToken(tokenServer.realm, tokenServer.service, registry.users[0]);
    const floors = await measurePair(
      () => floorOnce(context, withToken, 'token', { authorization: `Bearer ${token}` }),
      () => floorOnce(context, anonymous, 'main'),
      context.options.runs,
      context.options.warmup,
    );
    const floorSubject = side('bare undici floor, bearer token', floors.subject);
    const floorBaseline = side('bare undici floor, anonymous', floors.baseline);
    const floorRatio = floorSubject.medianMs / floorBaseline.medianMs;
    return [
      {
        scenario: 'token',
        work: this.work(context),
        status: 'ran',
        subject,
        baseline,
        ratio,
        target: this.target,
        met: ratio <= TARGET_RATIO && tokenRequests === scopes,
        notes: [
          `the token server received ${tokenRequests} token ${tokenRequests === 1 ? 'request' : 'requests'} per run for ${scopes} scope (repository:${RESOLVE_REPOSITORY}:pull)`,
          `the registry's own cost of token auth, measured with the bare floor: ${floorRatio.toFixed(2)}×, ` +
            `so tagkeeper's part of the ratio is ${(ratio / floorRatio).toFixed(2)}×`,
        ],
      },
      {
        scenario: 'token',
        work: 'the resolve floor with one bearer token, for reference',
        status: 'ran',
        subject: floorSubject,
        baseline: floorBaseline,
        ratio: floorRatio,
        target: 'the registry checking the token, no client work',
        notes: [],
      },
    ];
  },
};

/** Fetches a pull token for the resolve repository from the token server, as a user with a password would. */
async function fetchToken(realm: string, service: string, user: { username: string; password: string } | undefined): Promise<string> {
  if (user === undefined) throw new BenchSetupError('the token registry has no user to fetch a token for');
  const url = new URL(realm);
  url.searchParams.set('service', service);
  url.searchParams.set('scope', `repository:${RESOLVE_REPOSITORY}:pull`);
  const basic = Buffer.from(`${user.username}:${user.password}`).toString('base64');
  const response = await fetch(url, { headers: { authorization: `Basic ${basic}` } });
  if (!response.ok) throw new BenchSetupError(`the token server returned HTTP ${response.status} for ${url.toString()}`);
  const body = (await response.json()) as { token?: string; access_token?: string };
  const token = body.token ?? body.access_token;
  if (token === undefined) throw new BenchSetupError('the token server returned no token');
  return token;
}
