/**
 * Zod issues to BadRequest field violations. A request's schema is a
 * z.object of its wire fields (ts-proto's camelCase names) in the order its
 * violations are listed; each field is parsed on its own, so that every
 * invalid field is reported at once and the valid ones are at hand for the
 * cross-field and domain rules that run in code afterwards.
 *
 * Every message is ours: each field schema names its own, and an issue a
 * schema does not word (a value of the wrong type, which protobuf decoding
 * cannot produce) reads `is not valid` rather than zod's English.
 */
import { z } from 'zod';
import { Violations } from '../../domain/validation';

const UNWORDED = 'is not valid';

/** A wire field name as its proto field (and BadRequest) names it: `slotDurationMinutes` → `slot_duration_minutes`. */
const snake = (name: PropertyKey): string => String(name).replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** Parses one value, recording its issues as violations of `field`; null when invalid. */
export function fieldValue<S extends z.core.$ZodType>(
  v: Violations,
  field: string,
  schema: S,
  value: unknown,
): z.output<S> | null {
  const result = z.safeParse(schema, value, { error: () => UNWORDED });
  if (result.success) return result.data;
  for (const issue of result.error.issues) v.add([field, ...issue.path.map(snake)].join('.'), issue.message);
  return null;
}

/** A request's fields as parsed: each one's value, or null where it was invalid. */
export type Fields<S extends z.ZodRawShape> = { [K in keyof S]: z.output<S[K]> | null };

/**
 * Parses each field of `schema` from `input` in the schema's order; the field
 * paths are `prefix` and the field's proto name (`service.` + `opening_time`).
 */
export function parseFields<S extends z.ZodRawShape>(
  v: Violations,
  schema: z.ZodObject<S>,
  input: { [K in keyof S]?: unknown },
  prefix = '',
): Fields<S> {
  const out: Partial<Fields<S>> = {};
  for (const key of Object.keys(schema.shape) as (keyof S & string)[])
    out[key] = fieldValue(v, `${prefix}${snake(key)}`, schema.shape[key]!, input[key]);
  return out as Fields<S>;
}

/** A request's fields once all of them parsed: none is an invalid one's null. */
export type Parsed<S extends z.ZodRawShape> = { [K in keyof S]: z.output<S[K]> };

/** Throws INVALID_ARGUMENT listing every violation recorded, if any; else `fields` are all valid. */
export function settled<S extends z.ZodRawShape>(v: Violations, fields: Fields<S>): Parsed<S> {
  v.throwIfAny();
  return fields as Parsed<S>;
}

/** A request that has no rule beyond its fields': its parsed fields, or INVALID_ARGUMENT listing every invalid one. */
export function parseRequest<S extends z.ZodRawShape>(
  schema: z.ZodObject<S>,
  input: { [K in keyof S]?: unknown },
): Parsed<S> {
  const v = new Violations();
  return settled(v, parseFields(v, schema, input));
}
