/**
 * Picks the variant to send, so the same buyer never gets the same wording twice in a row: uniformly among
 * the variants other than the last one sent. The first use in a conversation (or a last index that no
 * longer exists because the reply was edited to fewer variants) picks among all of them, so buyers across
 * conversations do not all get variant 0 first. A reply with one variant always sends it.
 *
 * `random` returns a number in [0, 1), like Math.random; tests pass their own.
 *
 * @example chooseVariant(['您好', '亲，在的', '欢迎光临'], 1, () => 0.9) // 2
 */
export function chooseVariant(variants: readonly unknown[], lastIndex: number | undefined, random: () => number = Math.random): number {
  const count = variants.length;
  if (count === 0) throw new RangeError('a quick reply has at least one variant');
  if (count === 1) return 0;
  const lastIsValid = lastIndex !== undefined && Number.isInteger(lastIndex) && lastIndex >= 0 && lastIndex < count;
  if (!lastIsValid) return pick(count, random);
  // Pick among count - 1 slots and skip over the last index.
  const slot = pick(count - 1, random);
  return slot >= lastIndex ? slot + 1 : slot;
}

/** An integer in [0, count), safe against a random source that returns 1 or a value outside [0, 1). */
function pick(count: number, random: () => number): number {
  const r = random();
  const index = Math.floor((Number.isFinite(r) ? r : 0) * count);
  return Math.min(count - 1, Math.max(0, index));
}
