/**
 * `2 errors`, `1 error`: a count with its noun in the right number. `many` is the plural when it
 * is not the noun plus "s" (`1 resource differs` / `2 resources differ` take the verb separately).
 */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString("en-US")} ${n === 1 ? one : many}`;
}

/** The word alone, in the number `n` asks for: `isAre(2)` → "are". */
export function agree(n: number, one: string, many: string): string {
  return n === 1 ? one : many;
}

/** `a`, `a and b`, `a, b and c`: a list as a sentence says it. */
export function listing(items: readonly string[]): string {
  if (items.length <= 1) return items[0] ?? "";
  return `${items.slice(0, -1).join(", ")} and ${items.at(-1)}`;
}
