/**
 * A process that dies mid-request, as the fast tier plays it: from the
 * chosen call on, the port's method never answers, so the request stops
 * exactly there, with every write before it made and none after it. (Its
 * gates stay held until FakeSlotGate.expireLeases, as a lock's lease would.)
 */
export function dyingAt<T extends object, K extends keyof T>(
  port: T,
  method: K,
  when: (...args: unknown[]) => boolean = () => true,
): T {
  return new Proxy(port, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      const fn = value as (...args: unknown[]) => unknown;
      if (prop !== method) return fn.bind(target);
      return (...args: unknown[]) =>
        when(...args) ? new Promise<never>(() => undefined) : fn.apply(target, args);
    },
  });
}

/** Lets pending promise callbacks run until `done()` holds (a few hundred turns at most). */
export async function until(done: () => boolean): Promise<void> {
  for (let turn = 0; turn < 500 && !done(); turn++) await new Promise((resolve) => setImmediate(resolve));
  if (!done()) throw new Error('the condition never held');
}
