import type { CatalogService } from '../../use-cases/catalog.service';
import type { DeleteService } from '../../use-cases/catalog/delete-service';
import type { UpdateService } from '../../use-cases/catalog/update-service';
import type {
  CreateServiceRequest,
  CreateServiceResponse,
  DeleteServiceRequest,
  DeleteServiceResponse,
  GenerateSlotsRequest,
  GenerateSlotsResponse,
  GetServiceRequest,
  GetServiceResponse,
  ListServicesRequest,
  ListServicesResponse,
  ListSlotsRequest,
  ListSlotsResponse,
  SetSlotStatusRequest,
  SetSlotStatusResponse,
  UpdateServiceRequest,
  UpdateServiceResponse,
} from '../../gen/booking/v1/booking_service';
import { serviceToPb, slotToPb } from '../codec';
import * as parse from '../requests';
import { parseDeleteService, parseUpdateService } from '../requests';
import type { CallContext } from '../unary';

/** Providers' RPCs: proto in, one service call, proto out. */
export function catalogHandlers(catalog: CatalogService, updates: UpdateService, deletes: DeleteService) {
  return {
    createService: async (req: CreateServiceRequest, ctx: CallContext): Promise<CreateServiceResponse> => {
      const cmd = parse.parseCreateService(req);
      return { service: serviceToPb(await catalog.createService(ctx.principal, cmd.def, cmd.providerId)) };
    },

    getService: async (req: GetServiceRequest): Promise<GetServiceResponse> => {
      return { service: serviceToPb(await catalog.getService(parse.parseGetService(req))) };
    },

    listServices: async (req: ListServicesRequest): Promise<ListServicesResponse> => {
      const page = await catalog.listServices(parse.parseListServices(req));
      return { services: page.items.map(serviceToPb), nextPageToken: page.nextPageToken };
    },

    updateService: async (req: UpdateServiceRequest, ctx: CallContext): Promise<UpdateServiceResponse> => {
      const result = await updates.run(ctx.principal, parseUpdateService(req));
      return {
        service: serviceToPb(result.service),
        lockedSlotCount: result.locked,
        unlockedSlotCount: result.unlocked,
      };
    },

    deleteService: async (req: DeleteServiceRequest, ctx: CallContext): Promise<DeleteServiceResponse> => {
      const result = await deletes.run(ctx.principal, parseDeleteService(req));
      return { service: serviceToPb(result.service), lockedSlotCount: result.locked };
    },

    generateSlots: async (req: GenerateSlotsRequest, ctx: CallContext): Promise<GenerateSlotsResponse> => {
      const result = await catalog.generateSlots(ctx.principal, parse.parseGenerateSlots(req));
      return { createdCount: result.created, existingCount: result.existing };
    },

    listSlots: async (req: ListSlotsRequest): Promise<ListSlotsResponse> => {
      const page = await catalog.listSlots(parse.parseListSlots(req));
      return { slots: page.items.map((s) => slotToPb(s)), nextPageToken: page.nextPageToken };
    },

    setSlotStatus: async (req: SetSlotStatusRequest, ctx: CallContext): Promise<SetSlotStatusResponse> => {
      const cmd = parse.parseSetSlotStatus(req);
      return { slot: slotToPb(await catalog.setSlotStatus(ctx.principal, cmd.slotId, cmd.status)) };
    },
  };
}
