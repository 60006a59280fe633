/**
 * The fan-out's coalescing window (WATCH_BATCH_WINDOW_MS): arrivals within a
 * window of the previous delivery go out together when it closes; the first
 * arrival after a quiet spell goes at once; 0 delivers every arrival at once.
 */
import { CoalescingWindow, windowFor } from '../../src/infra/redis/event-log/coalescing-window';

/** A window on a hand-driven clock, recording its deliveries with their times. */
function windowOf(ms: number) {
  let now = 1_000;
  const deliveries: [number, number[]][] = [];
  const w = new CoalescingWindow<number>(
    ms,
    (items) => deliveries.push([now, items]),
    () => now,
  );
  return {
    w,
    deliveries,
    advance: (by: number) => {
      now += by;
      jest.advanceTimersByTime(by);
    },
  };
}

beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

it('delivers what arrives within the window as one delivery when it closes', () => {
  const { w, deliveries, advance } = windowOf(50);
  w.add([1]); // the first after a quiet spell: at once
  expect(deliveries).toEqual([[1_000, [1]]]);
  advance(10);
  w.add([2]);
  advance(10);
  w.add([3, 4]); // one read of two
  advance(10);
  w.add([5]);
  expect(deliveries).toHaveLength(1);
  expect(w.size).toBe(4);
  advance(19);
  expect(deliveries).toHaveLength(1);
  advance(1); // 50 ms after the first delivery
  expect(deliveries).toEqual([
    [1_000, [1]],
    [1_050, [2, 3, 4, 5]],
  ]);
  expect(w.size).toBe(0);
  // The next window counts from that delivery.
  advance(30);
  w.add([6]);
  advance(19);
  expect(deliveries).toHaveLength(2);
  advance(1);
  expect(deliveries.at(-1)).toEqual([1_100, [6]]);
  // Quiet for a window: the next arrival goes at once again.
  advance(60);
  w.add([7]);
  expect(deliveries.at(-1)).toEqual([1_160, [7]]);
});

it('with 0 delivers every arrival at once, a read of several together', () => {
  const { w, deliveries } = windowOf(0);
  w.add([1]);
  w.add([2, 3]);
  w.add([4]);
  expect(deliveries).toEqual([
    [1_000, [1]],
    [1_000, [2, 3]],
    [1_000, [4]],
  ]);
  expect(jest.getTimerCount()).toBe(0);
});

it('delivers what it holds when flushed, and nothing once closed', () => {
  const { w, deliveries, advance } = windowOf(50);
  w.add([1]);
  w.add([2, 3]);
  w.flush(); // before subscribers are ended: what was read reaches them first
  expect(deliveries).toEqual([
    [1_000, [1]],
    [1_000, [2, 3]],
  ]);
  w.add([4]);
  w.close();
  w.add([5]);
  advance(100);
  expect(deliveries).toHaveLength(2);
  expect(jest.getTimerCount()).toBe(0);
});

it('grows with the subscribers: the base per 1,000 of them, from 1x to 5x', () => {
  expect(windowFor(50, 1)).toBe(50);
  expect(windowFor(50, 1_000)).toBe(50);
  expect(windowFor(50, 2_500)).toBe(125);
  expect(windowFor(50, 5_000)).toBe(250);
  expect(windowFor(50, 10_000)).toBe(250);
  expect(windowFor(0, 10_000)).toBe(0);
});

it('takes a new length from the next delivery on', () => {
  const { w, deliveries, advance } = windowOf(50);
  w.add([1]);
  w.resize(200);
  advance(10);
  w.add([2]);
  advance(189);
  expect(deliveries).toHaveLength(1);
  advance(1); // 200 ms after the first delivery
  expect(deliveries.at(-1)).toEqual([1_200, [2]]);
  w.resize(50);
  advance(10);
  w.add([3]);
  advance(40);
  expect(deliveries.at(-1)).toEqual([1_250, [3]]);
});
