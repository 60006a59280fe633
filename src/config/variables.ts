import { z } from 'zod';

/**
 * How a variable is read and how a bad one is reported: the value parsers
 * every section uses, and the one pass that turns every problem into one
 * ConfigError.
 */

/** The value as the user wrote it, for messages (long values cut short). */
const shown = (raw: unknown): string => {
  const text = String(raw);
  return JSON.stringify(text.length > 60 ? `${text.slice(0, 57)}...` : text);
};

export const bool = z.string().transform((raw, ctx) => {
  const v = raw.trim().toLowerCase();
  if (['true', '1', 'yes'].includes(v)) return true;
  if (['false', '0', 'no'].includes(v)) return false;
  ctx.addIssue({ code: 'custom', message: `must be true or false (or 1/0, yes/no) (got ${shown(raw)})` });
  return z.NEVER;
});

/** An integer in [min, max]; decimal digits only (no "1e3", no "0x10", no "1.5"). */
export const int = (min: number, max: number) =>
  z.string().transform((raw, ctx) => {
    const text = raw.trim();
    const n = /^[+-]?\d+$/.test(text) ? Number(text) : Number.NaN;
    if (Number.isSafeInteger(n) && n >= min && n <= max) return n;
    ctx.addIssue({ code: 'custom', message: `must be an integer ${min}-${max} (got ${shown(raw)})` });
    return z.NEVER;
  });

export const oneOf = <const T extends readonly [string, ...string[]]>(values: T) =>
  z.string().transform((raw, ctx) => {
    const isOne = (v: string): v is T[number] => values.includes(v);
    if (isOne(raw)) return raw;
    ctx.addIssue({ code: 'custom', message: `must be one of ${values.join(', ')} (got ${shown(raw)})` });
    return z.NEVER;
  });

export const required = (example: string) => ({ error: `is required (for example ${example})` });

/** The variables of a section, parsed. */
export type Parsed<S extends z.ZodRawShape> = z.output<z.ZodObject<S>>;

export type Env = Record<string, string>;
export interface Issue {
  variable: string;
  message: string;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Empty (or blank) variables count as unset, as in most deployment tools. */
export function presentVariables(env: NodeJS.ProcessEnv): Env {
  return Object.fromEntries(
    Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined && e[1].trim() !== ''),
  );
}

/** Parses `env` with `object`, or throws one ConfigError naming every bad variable. */
export function parseAll<T extends z.ZodType>(object: T, env: Env, extra: Issue[] = []): z.output<T> {
  const parsed = object.safeParse(env);
  const issues: Issue[] = [
    ...(parsed.success
      ? []
      : parsed.error.issues.map((i) => ({ variable: i.path.join('.'), message: i.message }))),
    ...extra,
  ];
  if (issues.length > 0) {
    const lines = issues
      .sort((a, b) => a.variable.localeCompare(b.variable))
      .map((i) => `  ${i.variable}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  return parsed.data as z.output<T>;
}

/** A URI without the password of its credentials, for messages and logs. */
export function redactUri(uri: string): string {
  return uri.replace(/^([a-z][a-z0-9+.-]*:\/\/)([^@/]*)@/i, (_all, scheme: string, userinfo: string) => {
    const user = userinfo.split(':')[0];
    return `${scheme}${user ? `${user}:` : ''}***@`;
  });
}
