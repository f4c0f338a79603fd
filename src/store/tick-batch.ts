/**
 * Group commit: items added within one turn of the event loop are written together by one `write(items)` (one
 * transaction, one multi-row statement), and every adder's promise settles with that write. With 64 calls in
 * flight, the holds of the calls that start on the same turn share one commit instead of one each.
 */
export class TickBatch<T> {
  private items: T[] = [];
  private waiters: { resolve: () => void; reject: (error: unknown) => void }[] = [];
  private scheduled = false;

  constructor(private readonly write: (items: T[]) => void | Promise<void>) {}

  add(item: T): Promise<void> {
    this.items.push(item);
    const done = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => void this.run());
    }
    return done;
  }

  private async run(): Promise<void> {
    const items = this.items;
    const waiters = this.waiters;
    this.items = [];
    this.waiters = [];
    this.scheduled = false;
    try {
      await this.write(items);
      for (const w of waiters) w.resolve();
    } catch (error) {
      for (const w of waiters) w.reject(error);
    }
  }
}
