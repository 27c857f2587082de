import { Coalescer } from './coalescer';

/** A batch function whose batches the test finishes by hand, recording what each batch held. */
function manual() {
  const batches: { items: number[]; finish: (fail?: Error) => void }[] = [];
  const run = (items: number[]) =>
    new Promise<string[]>((resolve, reject) => {
      batches.push({ items, finish: (fail) => (fail ? reject(fail) : resolve(items.map((i) => `r${i}`))) });
    });
  return { batches, run };
}

const tick = () => new Promise<void>((r) => setImmediate(r));

describe('Coalescer', () => {
  it('sends calls made in one turn together, and each caller gets its own result', async () => {
    const m = manual();
    const c = new Coalescer(m.run, { maxBatch: 10, maxInFlight: 1 });
    const results = Promise.all([1, 2, 3].map((i) => c.submit(i)));
    await tick();
    expect(m.batches.map((b) => b.items)).toEqual([[1, 2, 3]]);
    m.batches[0].finish();
    await expect(results).resolves.toEqual(['r1', 'r2', 'r3']);
  });

  it('a lone call goes out at once', async () => {
    const m = manual();
    const c = new Coalescer(m.run, { maxBatch: 10, maxInFlight: 1 });
    const one = c.submit(7);
    await tick();
    expect(m.batches).toHaveLength(1);
    m.batches[0].finish();
    await expect(one).resolves.toBe('r7');
  });

  it('calls made while every slot is busy wait and go out as the next batch, in order', async () => {
    const m = manual();
    const c = new Coalescer(m.run, { maxBatch: 10, maxInFlight: 1 });
    const first = c.submit(1);
    await tick();
    const later = [2, 3, 4].map((i) => c.submit(i));
    await tick();
    expect(m.batches).toHaveLength(1);
    expect(c.waiting).toBe(3);
    m.batches[0].finish();
    await first;
    await tick();
    expect(m.batches.map((b) => b.items)).toEqual([[1], [2, 3, 4]]);
    m.batches[1].finish();
    await expect(Promise.all(later)).resolves.toEqual(['r2', 'r3', 'r4']);
  });

  it('splits at maxBatch and keeps at most maxInFlight batches in flight', async () => {
    const m = manual();
    const c = new Coalescer(m.run, { maxBatch: 2, maxInFlight: 2 });
    const all = Promise.all([1, 2, 3, 4, 5].map((i) => c.submit(i)));
    await tick();
    expect(m.batches.map((b) => b.items)).toEqual([
      [1, 2],
      [3, 4],
    ]);
    m.batches[1].finish();
    await tick();
    expect(m.batches.map((b) => b.items)).toEqual([[1, 2], [3, 4], [5]]);
    m.batches[0].finish();
    m.batches[2].finish();
    await expect(all).resolves.toEqual(['r1', 'r2', 'r3', 'r4', 'r5']);
  });

  it('a failed batch fails its own calls only, and the next batch still goes out', async () => {
    const m = manual();
    const c = new Coalescer(m.run, { maxBatch: 2, maxInFlight: 1 });
    const a = c.submit(1);
    const b = c.submit(2);
    const d = c.submit(3);
    await tick();
    m.batches[0].finish(new Error('connection lost'));
    await expect(a).rejects.toThrow('connection lost');
    await expect(b).rejects.toThrow('connection lost');
    await tick();
    m.batches[1].finish();
    await expect(d).resolves.toBe('r3');
  });

  it('a batch that returns the wrong number of results fails its calls rather than mismatching them', async () => {
    const c = new Coalescer(async (items: number[]) => items.slice(1).map(String), { maxBatch: 5, maxInFlight: 1 });
    await expect(Promise.all([c.submit(1), c.submit(2)])).rejects.toThrow('batch of 2 returned 1 results');
  });
});
