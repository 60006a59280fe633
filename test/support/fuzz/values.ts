/**
 * Values for fuzzed requests: hostile strings (operator-looking, unicode,
 * long), extreme numbers, unknown enum values, odd dates, times, timestamps
 * and page tokens.
 */
import fc from 'fast-check';

export const HOSTILE = [
  '$where',
  '{"$gt":""}',
  '{"$ne":null}',
  '$gt',
  '$ne',
  '{"$regex":".*"}',
  '{"$where":"sleep(1000)"}',
  'this.userId != null',
  'a.b',
  'a$b',
  '$',
  '.',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  "'; db.dropDatabase(); '",
  '\u0000',
  'a\u0000b',
  '\u202e\u0041',
  '\ud800',
  '😀',
  '𝔘𝔫𝔦𝔠𝔬𝔡𝔢',
  'ﾟ･✿ヾ╲(｡◕‿◕｡)╱✿･ﾟ',
  '%00',
  '%24where',
  '../../etc/passwd',
  '${jndi:ldap://x}',
  '<script>alert(1)</script>',
  'null',
  'undefined',
  'NaN',
  ' ',
  '\t\n',
  '',
  '0'.repeat(24),
  'f'.repeat(24),
  'F'.repeat(24),
  'g'.repeat(24),
  '0'.repeat(23),
  '0'.repeat(25),
  'ObjectId("000000000000000000000000")',
];

export const hostile = fc.constantFrom(...HOSTILE);
/** 1,000 to 5,000 characters (up to ~20 KB of UTF-8). */
export const longString = fc
  .tuple(fc.integer({ min: 1_000, max: 5_000 }), fc.constantFrom('a', 'é', '😀', '$', '{', '\u0000', '0'))
  .map(([n, c]) => c.repeat(n));
export const anyString: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: hostile },
  { weight: 3, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 30 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) },
  { weight: 1, arbitrary: longString },
);
export const INT32_MIN = -(2 ** 31);
export const INT32_MAX = 2 ** 31 - 1;
export const int32 = fc.oneof(
  fc.integer({ min: INT32_MIN, max: INT32_MAX }),
  fc.integer({ min: -10, max: 1_500 }),
  fc.constantFrom(0, -1, 1, INT32_MAX, INT32_MIN, 5, 30, 60, 100, 500, 501, 1_440, 86_400, 86_401),
);
export const int64 = fc.oneof(
  int32,
  fc.maxSafeInteger(),
  fc.constantFrom(Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 2 ** 40),
);
export const enumValue = fc.oneof(
  fc.integer({ min: -3, max: 6 }),
  fc.constantFrom(INT32_MAX, INT32_MIN, 100),
);
export const date = fc.record({
  year: fc.oneof(fc.integer({ min: 2020, max: 2100 }), int32),
  month: fc.oneof(fc.integer({ min: 0, max: 13 }), int32),
  day: fc.oneof(fc.integer({ min: 0, max: 32 }), int32),
});
export const timeOfDay = fc.record({
  hours: fc.oneof(fc.integer({ min: -1, max: 25 }), int32),
  minutes: fc.oneof(fc.integer({ min: -1, max: 60 }), int32),
  seconds: fc.oneof(fc.constant(0), fc.integer({ min: -1, max: 61 })),
  nanos: fc.oneof(fc.constant(0), fc.constantFrom(-1, 1, 999_999_999, 1_000_000_000)),
});
export const timestamp = fc.oneof(
  fc.constant(undefined),
  fc.date({ noInvalidDate: true }),
  fc.date({ min: new Date('2020-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }),
);
/** Page tokens: random, hostile, and base64url JSON with operators where the cursor goes. */
export const pageToken = fc.oneof(
  anyString,
  fc
    .constantFrom(
      { k: { $gt: 0 }, i: '000000000000000000000000', f: 'x' },
      { k: 1, i: { $ne: null }, f: 'x' },
      { k: 1e308 * 10, i: '000000000000000000000000' },
      { k: 1, i: '000000000000000000000000', f: { $ne: '' } },
      { __proto__: { polluted: true }, k: 1, i: '000000000000000000000000' },
      [1, 2, 3],
      null,
      'string',
    )
    .map((v) => Buffer.from(JSON.stringify(v) ?? 'null').toString('base64url')),
);

/** A valid value three times in four, else a random one: requests get past validation often enough. */
export const maybe = <T, U>(valid: T, random: fc.Arbitrary<U>): fc.Arbitrary<T | U> =>
  fc.oneof({ weight: 3, arbitrary: fc.constant(valid) }, { weight: 1, arbitrary: random });
