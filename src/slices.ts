// Long loops on the main thread, cut into slices: between two slices the event
// loop gets a turn, so the terminals' reads and keystroke commits waiting
// behind the loop are not kept waiting for all of it.

/** Calls `work` on each item, yielding to the event loop whenever `sliceMs` has passed since the last turn. */
export async function inSlices<T>(items: Iterable<T>, sliceMs: number, work: (item: T) => void): Promise<void> {
  let sliceStart = performance.now();
  for (const item of items) {
    work(item);
    if (performance.now() - sliceStart >= sliceMs) {
      await new Promise((resolve) => setImmediate(resolve));
      sliceStart = performance.now();
    }
  }
}
