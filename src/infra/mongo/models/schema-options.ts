/**
 * Every collection's schema options: no version key, unknown fields refused,
 * and no index builds or collection creation behind the scenes (autoIndex
 * off: `ensureIndexes` in index.ts is the explicit step that creates them).
 */
export const schemaOptions = {
  versionKey: false,
  autoIndex: false,
  autoCreate: false,
  strict: true,
} as const;
