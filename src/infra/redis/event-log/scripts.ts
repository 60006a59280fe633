import type { Redis } from 'ioredis';

/**
 * Publishing is one Lua script, atomic in Redis: it drops an event older than
 * the last one published for that slot (by the slot's own revision, so a
 * subscriber never sees a slot go back to an older state, whatever order
 * instances publish in), assigns the next service revision, max(previous + 1,
 * Redis time in microseconds) (so revisions keep growing even if Redis loses
 * its data), and appends `0-<revision>` to the stream, trimmed to about
 * `maxLength` entries. Each entry records the revision before it, so a reader
 * can prove it missed nothing.
 *
 * KEYS: counter, stream, last state by slot. ARGV: max length, slot id, slot
 * revision, status, previous status ('' when unknown), the encoded slot.
 * Returns the revision assigned, or 0 when that state was published already.
 */
const PUBLISH = `
local last = redis.call('HGET', KEYS[3], ARGV[2])
local lastRev = -1
local lastStatus = ''
if last then
  local sep = string.find(last, ':')
  lastRev = tonumber(string.sub(last, 1, sep - 1))
  lastStatus = string.sub(last, sep + 1)
end
local slotRev = tonumber(ARGV[3])
if slotRev <= lastRev then return 0 end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local prev = tonumber(redis.call('GET', KEYS[1]) or '0')
local rev = prev + 1
if now > rev then rev = now end
local revText = string.format('%d', rev)
redis.call('SET', KEYS[1], revText)
redis.call('HSET', KEYS[3], ARGV[2], ARGV[3] .. ':' .. ARGV[4])
if lastStatus == '' then lastStatus = ARGV[5] end
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[1], '0-' .. revText,
  'prev', string.format('%d', prev), 'before', lastStatus, 'slot', ARGV[6])
return revText
`;

/**
 * The latest revision of a service; a service with none yet starts at Redis
 * time in µs, so 0 ("from now" in a request) is never a revision to resume from.
 */
const LATEST = `
local v = redis.call('GET', KEYS[1])
if not v then
  local t = redis.call('TIME')
  v = string.format('%d', tonumber(t[1]) * 1000000 + tonumber(t[2]))
  redis.call('SET', KEYS[1], v, 'NX')
  v = redis.call('GET', KEYS[1])
end
return v
`;

/** The Redis keys of one service's log. */
export interface LogKeys {
  counter: string;
  stream: string;
  lastBySlot: string;
}

export const logKeys = (prefix: string, serviceId: string): LogKeys => {
  const base = `${prefix}{${serviceId}}`;
  return { counter: `${base}:rev`, stream: `${base}:stream`, lastBySlot: `${base}:slots` };
};

/** A client with the two scripts defined (idempotent: each client defines them once). */
export type ScriptedRedis = Redis & {
  bookingPublishSlotEvent(...args: (string | number)[]): Promise<string | number>;
  bookingLatestRevision(counterKey: string): Promise<string>;
};

export function withScripts(redis: Redis): ScriptedRedis {
  const scripted = redis as ScriptedRedis;
  if (typeof scripted.bookingPublishSlotEvent !== 'function')
    redis.defineCommand('bookingPublishSlotEvent', { numberOfKeys: 3, lua: PUBLISH });
  if (typeof scripted.bookingLatestRevision !== 'function')
    redis.defineCommand('bookingLatestRevision', { numberOfKeys: 1, lua: LATEST });
  return scripted;
}
