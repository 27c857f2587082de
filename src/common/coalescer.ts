/**
 * Group commit for one kind of statement: calls that arrive while earlier ones are being written are sent
 * together, as one statement, when a slot is free. An idle process pays nothing but a microtask (a lone call goes
 * out at once); a busy one divides the per-statement cost (a round trip, a parse, a commit) by the batch size.
 *
 * At most `maxInFlight` batches are in flight at once and each holds at most `maxBatch` items. A batch that
 * fails fails every call in it; a batch's results are matched to its calls by position.
 */
export class Coalescer<I, O> {
  private pending: { item: I; resolve: (o: O) => void; reject: (e: unknown) => void }[] = [];
  private inFlight = 0;
  private scheduled = false;

  constructor(
    private readonly run: (items: I[]) => Promise<O[]>,
    private readonly opts: { maxBatch: number; maxInFlight: number },
  ) {
    if (opts.maxBatch < 1 || opts.maxInFlight < 1) throw new Error('maxBatch and maxInFlight must be at least 1');
  }

  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      this.schedule();
    });
  }

  /** Calls waiting for a slot (for tests and metrics). */
  get waiting(): number {
    return this.pending.length;
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight >= this.opts.maxInFlight) return;
    this.scheduled = true;
    // Calls made in the same turn of the event loop (jobs started together) join one batch.
    queueMicrotask(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    while (this.pending.length > 0 && this.inFlight < this.opts.maxInFlight) {
      const batch = this.pending.splice(0, this.opts.maxBatch);
      this.inFlight++;
      void this.runBatch(batch);
    }
  }

  private async runBatch(batch: typeof this.pending): Promise<void> {
    try {
      const out = await this.run(batch.map((b) => b.item));
      if (out.length !== batch.length) throw new Error(`batch of ${batch.length} returned ${out.length} results`);
      batch.forEach((b, i) => b.resolve(out[i]));
    } catch (e) {
      for (const b of batch) b.reject(e);
    } finally {
      this.inFlight--;
      this.flush();
    }
  }
}
