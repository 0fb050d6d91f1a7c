/**
 * Results of a pure function of a string, kept for repeated calls. Hot paths
 * of the client (a check per request) see few distinct inputs, so the map is
 * emptied once it reaches `limit` entries rather than tracking which to evict.
 */
export class BoundedMemo<V> {
  readonly #results = new Map<string, V>();

  constructor(private readonly limit: number) {}

  /** Returns the result for `key`, computing and keeping it on first use. */
  get(key: string, compute: () => V): V {
    if (this.#results.has(key)) {
      return this.#results.get(key) as V;
    }
    const result = compute();
    if (this.#results.size >= this.limit) {
      this.#results.clear();
    }
    this.#results.set(key, result);
    return result;
  }
}
