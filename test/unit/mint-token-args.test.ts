/**
 * `npm run token` arguments: what is accepted, and that everything else is
 * refused with a message saying what to fix.
 */
import { parseTokenArgs, UsageError } from '../../scripts/mint-token';

const refusal = (argv: string[]): string => {
  try {
    parseTokenArgs(argv);
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return (err as Error).message;
  }
  throw new Error(`accepted: ${argv.join(' ')}`);
};

describe('parseTokenArgs', () => {
  it('reads subject, roles and a ttl of one hour by default', () => {
    expect(parseTokenArgs(['--sub', 'alice', '--roles', 'user'])).toEqual({
      subject: 'alice',
      roles: ['user'],
      ttlSeconds: 3600,
    });
  });

  it('takes several roles once each, in any order of the flags', () => {
    expect(parseTokenArgs(['--roles', 'admin, service,admin', '--sub', 'ops'])).toEqual({
      subject: 'ops',
      roles: ['admin', 'service'],
      ttlSeconds: 3600,
    });
  });

  it.each([
    ['600', 600],
    ['90s', 90],
    ['15m', 900],
    ['12h', 43_200],
    ['7d', 604_800],
    ['365d', 31_536_000],
  ])('reads --ttl %s as %i seconds', (ttl, seconds) => {
    expect(parseTokenArgs(['--sub', 'a', '--roles', 'user', '--ttl', ttl]).ttlSeconds).toBe(seconds);
  });

  it.each(['abc', '', '0', '-5', '1.5', '12x', '366d', '1e3', 'h'])('refuses --ttl %j', (ttl) => {
    expect(refusal(['--sub', 'a', '--roles', 'user', '--ttl', ttl])).toMatch(/^--ttl must be .*got "/);
  });

  it.each(['superuser', 'Admin', '', 'user,,admin'])(
    'refuses --roles %j, naming the roles there are',
    (roles) => {
      expect(refusal(['--sub', 'a', '--roles', roles])).toMatch(
        /is not a role; use one or more of admin, provider, service, user/,
      );
    },
  );

  it.each([
    [[], /--sub is required/],
    [['--sub', 'a'], /--roles is required/],
    [['--roles', 'user'], /--sub is required/],
    [['--sub', '', '--roles', 'user'], /--sub must be 1 to 256 characters/],
    [['--sub', '<257 characters>', '--roles', 'user'], /--sub must be 1 to 256 characters/],
    [['--sub', '--roles', 'user'], /--sub needs a value/],
    [['--sub', 'a', '--roles'], /--roles needs a value/],
    [['--sub', 'a', '--role', 'user'], /unknown argument "--role"/],
    [['alice', 'user'], /unknown argument "alice"/],
    [['--sub', 'a', '--sub', 'b', '--roles', 'user'], /--sub given twice/],
  ])('refuses %j', (argv, message) => {
    const args = argv.map((a) => (a === '<257 characters>' ? 'x'.repeat(257) : a));
    expect(refusal(args)).toMatch(message);
  });
});
