/**
 * Error reporting: each domain reason has one gRPC code, details decode to
 * google.rpc.Status with ErrorInfo (and BadRequest), and anything else is
 * UNAVAILABLE (an outage) or INTERNAL without leaking its message.
 */
import { status as Code, type ServiceError } from '@grpc/grpc-js';
import { DOMAIN_REASONS, DomainError, invalidArgument, type DomainReason } from '../../src/domain/errors';
import { BadRequest, ErrorInfo } from '../../src/gen/google/rpc/error_details';
import { Status } from '../../src/gen/google/rpc/status';
import { classifyError, codeOf, ERROR_DOMAIN } from '../../src/rpc/error-status';
import { TRANSPORT_REASONS, TransportError, type TransportReason } from '../../src/rpc/transport-errors';

type Reason = DomainReason | TransportReason;
/** Every reason a caller can be told: the domain's and the transport's. */
const REASONS: readonly Reason[] = [...DOMAIN_REASONS, ...TRANSPORT_REASONS];
const isTransportReason = (r: Reason): r is TransportReason =>
  (TRANSPORT_REASONS as readonly string[]).includes(r);
const errorOf = (reason: Reason, message: string, metadata: Record<string, string>): Error =>
  isTransportReason(reason)
    ? new TransportError(reason, message, metadata)
    : new DomainError(reason, message, metadata);

/**
 * The intended code of each reason whose code the contract states. Reasons
 * added later are checked below to map to a real, non-generic code.
 */
const INTENDED: Partial<Record<Reason, Code>> = {
  INVALID_ARGUMENT: Code.INVALID_ARGUMENT,
  SERVICE_NOT_FOUND: Code.NOT_FOUND,
  SLOT_NOT_FOUND: Code.NOT_FOUND,
  APPOINTMENT_NOT_FOUND: Code.NOT_FOUND,
  SLOT_BUSY: Code.ABORTED,
  SLOT_UNAVAILABLE: Code.FAILED_PRECONDITION,
  SLOT_IN_PAST: Code.FAILED_PRECONDITION,
  SLOT_BOOKED: Code.FAILED_PRECONDITION,
  SERVICE_INACTIVE: Code.FAILED_PRECONDITION,
  APPOINTMENT_ALREADY_CANCELLED: Code.FAILED_PRECONDITION,
  NOT_APPOINTMENT_OWNER: Code.PERMISSION_DENIED,
  LOCK_UNAVAILABLE: Code.UNAVAILABLE,
  // booking_service.proto: "refused with INVALID_ARGUMENT, reason REQUEST_ID_REUSED".
  ...((DOMAIN_REASONS as readonly string[]).includes('REQUEST_ID_REUSED')
    ? { REQUEST_ID_REUSED: Code.INVALID_ARGUMENT }
    : {}),
  // booking_service.proto: "FAILED_PRECONDITION, reason HOLD_EXPIRED".
  ...((DOMAIN_REASONS as readonly string[]).includes('HOLD_EXPIRED')
    ? { HOLD_EXPIRED: Code.FAILED_PRECONDITION }
    : {}),
};

/** The code a reason must map to: the intended one, else whatever codeOf says (checked to be sane). */
const expectedCode = (reason: Reason): Code => INTENDED[reason] ?? codeOf(reason);

/** The google.rpc.Status in an error's grpc-status-details-bin, with its details decoded. */
function statusOf(error: ServiceError) {
  const raw = error.metadata.get('grpc-status-details-bin');
  expect(raw).toHaveLength(1);
  const status = Status.decode(raw[0] as Buffer);
  const infos = status.details.filter((d) => d.typeUrl === 'type.googleapis.com/google.rpc.ErrorInfo');
  const badRequests = status.details.filter((d) => d.typeUrl === 'type.googleapis.com/google.rpc.BadRequest');
  expect(infos).toHaveLength(1);
  expect(status.details).toHaveLength(infos.length + badRequests.length);
  return {
    status,
    info: ErrorInfo.decode(infos[0]!.value),
    badRequest: badRequests[0] ? BadRequest.decode(badRequests[0].value) : undefined,
  };
}

describe('codeOf', () => {
  it('knows every reason of the original contract', () => {
    expect(REASONS).toEqual(expect.arrayContaining(Object.keys(INTENDED)));
  });

  it('keeps the transport reasons out of the domain', () => {
    expect(DOMAIN_REASONS).toEqual(expect.not.arrayContaining([...TRANSPORT_REASONS]));
  });

  it.each([...REASONS])('maps %s to a specific gRPC code, the intended one where stated', (reason) => {
    const code = codeOf(reason);
    expect(Object.values(Code)).toContain(code);
    expect([Code.OK, Code.UNKNOWN, Code.INTERNAL]).not.toContain(code);
    const intended = INTENDED[reason];
    if (intended !== undefined) expect(Code[code]).toBe(Code[intended]);
  });
});

describe('classifyError', () => {
  it.each([...REASONS])(
    'reports a DomainError or TransportError %s with its code, message and ErrorInfo',
    (reason) => {
      const err = errorOf(reason, `something about ${reason}`, { slotId: 'abc' });
      const classified = classifyError(err);
      expect(classified.reason).toBe(reason);
      expect(classified.error.code).toBe(expectedCode(reason));
      expect(classified.error.details).toBe(`something about ${reason}`);
      expect(classified.error.message).toBe(`something about ${reason}`);
      expect(classified.kind).toBe(expectedCode(reason) === Code.UNAVAILABLE ? 'transient' : 'expected');

      const { status, info, badRequest } = statusOf(classified.error);
      expect(status.code).toBe(expectedCode(reason));
      expect(status.message).toBe(`something about ${reason}`);
      expect(info).toEqual({ reason, domain: ERROR_DOMAIN, metadata: { slotId: 'abc' } });
      expect(ERROR_DOMAIN).toBe('booking.v1');
      expect(badRequest).toBeUndefined();
    },
  );

  it('adds a BadRequest listing every violation to INVALID_ARGUMENT', () => {
    const violations = [
      { field: 'service.name', description: 'is required' },
      { field: 'service.time_zone', description: 'must be an IANA time zone such as Europe/Berlin' },
    ];
    const classified = classifyError(invalidArgument(violations));
    expect(classified.error.code).toBe(Code.INVALID_ARGUMENT);
    expect(classified.error.details).toContain('service.name: is required');
    const { info, badRequest } = statusOf(classified.error);
    expect(info.reason).toBe('INVALID_ARGUMENT');
    expect(badRequest).toEqual({ fieldViolations: violations });
  });

  it('reports a plain Error as INTERNAL without its message', () => {
    const secret = 'connection string mongodb://admin:hunter2@db/booking rejected';
    const classified = classifyError(new Error(secret));
    expect(classified.kind).toBe('bug');
    expect(classified.reason).toBe('INTERNAL');
    expect(classified.error.code).toBe(Code.INTERNAL);
    expect(classified.error.details).toBe('internal error');
    expect(classified.error.message).toBe('internal error');
    const { status, info } = statusOf(classified.error);
    expect(status.code).toBe(Code.INTERNAL);
    expect(status.message).toBe('internal error');
    expect(info).toEqual({ reason: 'INTERNAL', domain: 'booking.v1', metadata: {} });
    const everything = JSON.stringify({ classified, raw: classified.error.metadata.getMap() });
    expect(everything).not.toContain('hunter2');
  });

  it.each([
    ['a string', 'boom'],
    ['undefined', undefined],
    ['an object', { message: 'hunter2' }],
    ['a TypeError', new TypeError("Cannot read properties of undefined (reading 'hunter2')")],
  ])('reports %s thrown as INTERNAL', (_label, thrown) => {
    const classified = classifyError(thrown);
    expect(classified.error.code).toBe(Code.INTERNAL);
    expect(classified.error.details).toBe('internal error');
    expect(classified.error.details).not.toContain('hunter2');
  });

  it.each([
    'MongoServerSelectionError',
    'MongooseServerSelectionError',
    'MongoNetworkError',
    'MongoNetworkTimeoutError',
    'MongoNotConnectedError',
    'MongoPoolClearedError',
    'MongoTopologyClosedError',
    'MaxRetriesPerRequestError',
  ])('reports an error named %s as UNAVAILABLE, without its message', (name) => {
    const err = Object.assign(new Error('getaddrinfo ENOTFOUND db.internal.example'), { name });
    const classified = classifyError(err);
    expect(classified.kind).toBe('transient');
    expect(classified.reason).toBe('BACKEND_UNAVAILABLE');
    expect(classified.error.code).toBe(Code.UNAVAILABLE);
    expect(classified.error.details).not.toContain('db.internal.example');
    const { status, info } = statusOf(classified.error);
    expect(status.code).toBe(Code.UNAVAILABLE);
    expect(info.reason).toBe('BACKEND_UNAVAILABLE');
  });

  it('reports an error labelled RetryableWriteError as UNAVAILABLE', () => {
    const err = Object.assign(new Error('not primary'), {
      name: 'MongoServerError',
      hasErrorLabel: (label: string) => label === 'RetryableWriteError',
    });
    expect(classifyError(err).error.code).toBe(Code.UNAVAILABLE);
    const unlabelled = Object.assign(new Error('E11000'), {
      name: 'MongoServerError',
      hasErrorLabel: () => false,
    });
    expect(classifyError(unlabelled).error.code).toBe(Code.INTERNAL);
  });

  it.each([
    [
      'FerretDB SQLite busy',
      1,
      '[collection.go:135 sqlite.(*collection).InsertAll.func1] database is locked (5) (SQLITE_BUSY)',
    ],
    ['MongoDB LockTimeout', 24, 'Unable to acquire lock'],
    ['MongoDB WriteConflict', 112, 'WriteConflict error'],
    ['MongoDB ExceededTimeLimit', 262, 'operation exceeded time limit'],
  ])('reports a busy database (%s) as UNAVAILABLE, without its message', (_what, code, message) => {
    const err = Object.assign(new Error(message), {
      name: 'MongoServerError',
      code,
      hasErrorLabel: () => false,
    });
    const classified = classifyError(err);
    expect(classified.error.code).toBe(Code.UNAVAILABLE);
    expect(classified.reason).toBe('BACKEND_UNAVAILABLE');
    expect(classified.error.details).not.toContain('locked');
  });

  it('keeps other server errors INTERNAL (a duplicate key escaping the repositories is a bug)', () => {
    const err = Object.assign(new Error('E11000 duplicate key error'), {
      name: 'MongoServerError',
      code: 11000,
      hasErrorLabel: () => false,
    });
    expect(classifyError(err).error.code).toBe(Code.INTERNAL);
  });

  it('does not treat an object merely named like a driver error as transient', () => {
    expect(classifyError({ name: 'MongoNetworkError', message: 'x' }).error.code).toBe(Code.INTERNAL);
  });
});
