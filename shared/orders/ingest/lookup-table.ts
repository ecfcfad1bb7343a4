/**
 * A mapping table keyed by platform strings, without a prototype: `'constructor' in table` and
 * `table.__proto__` are then false and undefined, so a hostile topic or status cannot reach
 * Object.prototype and is classified like any other unknown value.
 */
export function lookupTable<T>(entries: Record<string, T>): Readonly<Record<string, T>> {
  return Object.freeze(Object.assign(Object.create(null) as Record<string, T>, entries));
}
