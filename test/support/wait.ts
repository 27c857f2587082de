/** Polls `probe` until it returns a truthy value, or fails after `timeoutMs` with the last value seen. */
export async function waitFor<T>(
  probe: () => Promise<T> | T,
  {
    timeoutMs = 15_000,
    intervalMs = 100,
    what = 'condition',
  }: { timeoutMs?: number; intervalMs?: number; what?: string } = {},
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      last = await probe();
      if (last) return last as NonNullable<T>;
    } catch (e) {
      lastError = e;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  const seen = lastError ? `error ${(lastError as Error).message}` : JSON.stringify(last)?.slice(0, 2000);
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last seen: ${seen}`);
}
