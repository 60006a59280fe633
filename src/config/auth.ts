import { z } from 'zod';
import { bool, int, type Env, type Issue, type Parsed } from './variables';

export const authVariables = {
  AUTH_DISABLED: bool.default(false),
  AUTH_JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  AUTH_JWKS_FILE: z.string().min(1).optional(),
  AUTH_JWKS_URL: z.url('must be a URL (for example https://idp.example/.well-known/jwks.json)').optional(),
  AUTH_ISSUER: z.string().min(1).optional(),
  AUTH_AUDIENCE: z.string().min(1).optional(),
  AUTH_CLOCK_SKEW_SECONDS: int(0, 600).default(30),
  AUTH_ROLES_CLAIM: z.string().min(1).default('roles'),
};

/** null in AppConfig: authentication switched off (AUTH_DISABLED=true). */
export interface AuthConfig {
  /** HS256 shared secret, or: */
  secret: string | null;
  /** a JWKS file, or: */
  jwksFile: string | null;
  /** a JWKS URL (keys fetched and cached by jose). */
  jwksUrl: string | null;
  issuer: string;
  audience: string;
  clockSkewSeconds: number;
  rolesClaim: string;
}

/**
 * Rules across the authentication variables. They read the raw values, not
 * the parsed ones, so they run even when some other variable is invalid.
 */
export function authIssues(env: Env): Issue[] {
  const issues: Issue[] = [];
  const authDisabled = authVariables.AUTH_DISABLED.safeParse(env.AUTH_DISABLED);
  // An invalid AUTH_DISABLED is reported on its own; whether auth is on is then unknown.
  if (authDisabled.success && !authDisabled.data) {
    const switchOff = ' (or AUTH_DISABLED=true to switch authentication off)';
    const keySources = ['AUTH_JWT_SECRET', 'AUTH_JWKS_FILE', 'AUTH_JWKS_URL'].filter((k) => env[k]);
    if (keySources.length !== 1)
      issues.push({
        variable: keySources[0] ?? 'AUTH_JWT_SECRET',
        message:
          `authentication needs exactly one of AUTH_JWT_SECRET, AUTH_JWKS_FILE or AUTH_JWKS_URL` +
          (keySources.length ? ` (got ${keySources.join(' and ')})` : switchOff),
      });
    for (const name of ['AUTH_ISSUER', 'AUTH_AUDIENCE'])
      if (!env[name]) issues.push({ variable: name, message: `is required with authentication${switchOff}` });
  }
  return issues;
}

/** Only once authIssues found nothing: then AUTH_ISSUER and AUTH_AUDIENCE are set. */
export function authConfig(c: Parsed<typeof authVariables>): AuthConfig | null {
  return c.AUTH_DISABLED
    ? null
    : {
        secret: c.AUTH_JWT_SECRET ?? null,
        jwksFile: c.AUTH_JWKS_FILE ?? null,
        jwksUrl: c.AUTH_JWKS_URL ?? null,
        issuer: c.AUTH_ISSUER!,
        audience: c.AUTH_AUDIENCE!,
        clockSkewSeconds: c.AUTH_CLOCK_SKEW_SECONDS,
        rolesClaim: c.AUTH_ROLES_CLAIM,
      };
}
