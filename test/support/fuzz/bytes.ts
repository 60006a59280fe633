/**
 * Requests as bytes: the valid encoding of a structured request, and bytes
 * that are not a valid message (random, truncated, mutated, wrong wire
 * types, deep groups, odd timestamps) built around it.
 */
import { BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import fc from 'fast-check';
import * as pb from '../../../src/gen/booking/v1/booking_service';
import { type Method } from './send';
import { HOSTILE, INT32_MAX, INT32_MIN } from './values';

interface MessageCodec {
  fromPartial(o: unknown): unknown;
  encode(m: unknown): { finish(): Uint8Array };
}
const codecOf = (m: Method): MessageCodec => {
  const name = `${m.charAt(0).toUpperCase()}${m.slice(1)}Request` as keyof typeof pb;
  return pb[name] as unknown as MessageCodec;
};
export const encode = (m: Method, request: unknown): Buffer => {
  const codec = codecOf(m);
  return Buffer.from(codec.encode(codec.fromPartial(request)).finish());
};

/** A google.protobuf.Timestamp with any seconds and nanos, which a Date cannot express. */
const rawTimestamp = fc.record({
  seconds: fc.oneof(
    fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
    fc.constantFrom(0n, -1n, 253_402_300_800n, -62_135_596_801n, 8_640_000_000_000n, 2n ** 53n),
  ),
  nanos: fc.oneof(
    fc.integer({ min: INT32_MIN, max: INT32_MAX }),
    fc.constantFrom(-1, 0, 999_999_999, 1_000_000_000),
  ),
});

/** Invalid or odd bytes for `method`, built around its valid encoding. */
export function rawArbitrary(
  method: Method,
  structured: fc.Arbitrary<Record<string, unknown>>,
): fc.Arbitrary<Buffer> {
  const valid = structured.map((r) => encode(method, r));
  const randomBytes = fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b));
  const truncated = valid
    .filter((b) => b.length > 1)
    .chain((b) => fc.integer({ min: 1, max: b.length - 1 }).map((n) => b.subarray(0, n)));
  const mutated = valid
    .filter((b) => b.length > 0)
    .chain((b) =>
      fc
        .array(fc.tuple(fc.nat({ max: b.length - 1 }), fc.integer({ min: 0, max: 255 })), {
          minLength: 1,
          maxLength: 4,
        })
        .map((edits) => {
          const copy = Buffer.from(b);
          for (const [at, value] of edits) copy[at] = value;
          return copy;
        }),
    );
  const wrongWireType = fc
    .tuple(
      fc.integer({ min: 1, max: 13 }),
      fc.integer({ min: 0, max: 7 }),
      fc.uint8Array({ maxLength: 24 }),
      fc.oneof(fc.constant(Buffer.alloc(0)), valid),
    )
    .map(([field, wireType, tail, rest]) =>
      Buffer.concat([rest, Buffer.from([(field << 3) | wireType]), Buffer.from(tail)]),
    );
  const special = fc.constantFrom(
    Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f]), // length 2^32-1
    Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]), // 10-byte length varint
    Buffer.from([0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]), // 11-byte varint
    Buffer.from([0x0a, 0x02, 0xff, 0xfe]), // invalid UTF-8 in field 1
    Buffer.from([0x0a, 0x03, 0xed, 0xa0, 0x80]), // a UTF-8-encoded surrogate
    Buffer.alloc(10_000, 0x0b), // 10,000 nested start-groups
    Buffer.concat([Buffer.alloc(200_000, 0x0b), Buffer.alloc(200_000, 0x0c)]), // deep but balanced groups
    Buffer.from([0x0c]), // end-group without a start
    Buffer.from([0x00]), // field number 0
    Buffer.from([0xf8, 0xff, 0xff, 0xff, 0xff, 0x01, 0x00]), // field number beyond 2^29
    Buffer.concat([Buffer.from([0xfa, 0x01]), encodeLength(400_000), Buffer.alloc(400_000, 0x61)]), // big unknown field
    Buffer.from([0x12, 0x00, 0x12, 0x00, 0x12, 0x00]), // a message field repeated, empty
  );
  const timestamps = fc
    .tuple(
      fc.constantFrom(2, 3),
      rawTimestamp,
      fc.oneof(fc.constantFrom(...HOSTILE.slice(0, 5)), fc.constant('')),
    )
    .map(([field, ts, first]) => {
      const w = new BinaryWriter();
      w.tag(1, WireType.LengthDelimited).string(first);
      w.tag(field, WireType.LengthDelimited).fork();
      w.tag(1, WireType.Varint).int64(ts.seconds);
      w.tag(2, WireType.Varint).int32(ts.nanos);
      w.join();
      return Buffer.from(w.finish());
    });
  const withTimestamps = method === 'listSlots' || method === 'watchSlotAvailability';
  return fc.oneof(
    randomBytes,
    truncated,
    mutated,
    wrongWireType,
    special,
    ...(withTimestamps ? [timestamps, timestamps] : []),
  );
}

export function encodeLength(n: number): Buffer {
  const w = new BinaryWriter();
  w.uint32(n);
  return Buffer.from(w.finish());
}
