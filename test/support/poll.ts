/**
 * Polls `check` every `intervalMs` until it returns (or resolves to) a truthy value; fails after
 * `timeoutMs` with `timed out waiting for <what>`. The one bounded wait the tests and the demo share.
 */
export async function pollUntil<T>(
  check: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  what: string,
  timeoutMs: number,
  intervalMs = 10,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
