/**
 * The slot event log on Redis Streams: scripts (the Lua of publishing and of
 * a service's revision), codec (a slot as a stream entry), publisher (appends,
 * retried until Redis takes them), service-tail (one shared reader per watched
 * service, fanning out through a coalescing window) and slot-event-log (the
 * port's implementation tying them together).
 */
export { RedisSlotEventLog, type EventLogSettings } from './slot-event-log';
export type { PublisherHooks } from './publisher';
