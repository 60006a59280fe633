import { serviceArchived, serviceChanged } from '../../domain/errors';
import type { Principal } from '../../domain/principal';
import { requireOwnerChange } from '../../domain/provider-scope';
import { checkServiceDefinition } from '../../domain/service-rules';
import { patchedDraft, type ServicePatch } from '../../domain/service-patch';
import type { ServiceRecord } from '../../domain/types';
import { Violations } from '../../domain/validation';
import { managedService, type ServiceChangeDeps } from './managed-service';
import type { AvailabilityCounts } from './slot-availability';

export interface ServiceUpdateCommand {
  serviceId: string;
  /** The fields the mask named, with their new values. */
  patch: ServicePatch;
  /** The mask's paths as sent (kept with the change). */
  paths: readonly string[];
  /** The etag (revision) the caller read, if it sent one. */
  etag: number | null;
}

/**
 * UpdateService (AIP-134): the stored service with the named fields changed
 * must be a valid service as a whole, and is written as its next revision
 * (ABORTED, SERVICE_CHANGED, if another update of that revision came first,
 * or the caller's etag is stale: nothing is lost silently). Setting `active`
 * then aligns its future slots (SlotAvailability); other fields shape only
 * slots generated afterwards.
 */
export class UpdateService {
  constructor(private readonly deps: ServiceChangeDeps) {}

  async run(
    actor: Principal,
    cmd: ServiceUpdateCommand,
  ): Promise<{ service: ServiceRecord } & AvailabilityCounts> {
    const current = await managedService(this.deps.services, actor, cmd.serviceId);
    if (cmd.patch.providerId !== undefined) requireOwnerChange(actor, current.id);
    if (current.deletedAt !== null) throw serviceArchived(current.id);
    if (cmd.etag !== null && cmd.etag !== current.revision) throw serviceChanged(current.id);

    const v = new Violations();
    const def = checkServiceDefinition(v, patchedDraft(current, cmd.patch), 'service.');
    v.throwIfAny();
    const written = await this.deps.services.update({
      id: current.id,
      revision: current.revision,
      set: {
        ...def!,
        providerId: cmd.patch.providerId === undefined ? current.providerId : cmd.patch.providerId,
        deletedAt: null,
      },
      now: this.deps.clock(),
      by: actor.subject,
      paths: cmd.paths,
    });
    if (!written) throw serviceChanged(current.id);
    // Naming `active` aligns the slots even when it did not change: a retry finishes a sweep cut short.
    const counts =
      cmd.patch.active !== undefined
        ? await this.deps.availability.followService(written)
        : { locked: 0, unlocked: 0 };
    return { service: written, ...counts };
  }
}
