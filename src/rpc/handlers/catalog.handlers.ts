import type { UseCases } from '../../use-cases';
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

/** Providers' RPCs: proto in, the use case named after the RPC (src/use-cases/catalog/<rpc>.ts), proto out. */
export function catalogHandlers(useCases: UseCases) {
  return {
    createService: async (req: CreateServiceRequest, ctx: CallContext): Promise<CreateServiceResponse> => {
      const cmd = parse.parseCreateService(req);
      return {
        service: serviceToPb(await useCases.createService.run(ctx.principal, cmd.def, cmd.providerId)),
      };
    },

    getService: async (req: GetServiceRequest): Promise<GetServiceResponse> => {
      return { service: serviceToPb(await useCases.getService.run(parse.parseGetService(req))) };
    },

    listServices: async (req: ListServicesRequest): Promise<ListServicesResponse> => {
      const page = await useCases.listServices.run(parse.parseListServices(req));
      return { services: page.items.map(serviceToPb), nextPageToken: page.nextPageToken };
    },

    updateService: async (req: UpdateServiceRequest, ctx: CallContext): Promise<UpdateServiceResponse> => {
      const result = await useCases.updateService.run(ctx.principal, parseUpdateService(req));
      return {
        service: serviceToPb(result.service),
        lockedSlotCount: result.locked,
        unlockedSlotCount: result.unlocked,
      };
    },

    deleteService: async (req: DeleteServiceRequest, ctx: CallContext): Promise<DeleteServiceResponse> => {
      const result = await useCases.deleteService.run(ctx.principal, parseDeleteService(req));
      return { service: serviceToPb(result.service), lockedSlotCount: result.locked };
    },

    generateSlots: async (req: GenerateSlotsRequest, ctx: CallContext): Promise<GenerateSlotsResponse> => {
      const result = await useCases.generateSlots.run(ctx.principal, parse.parseGenerateSlots(req));
      return { createdCount: result.created, existingCount: result.existing };
    },

    listSlots: async (req: ListSlotsRequest): Promise<ListSlotsResponse> => {
      const page = await useCases.listSlots.run(parse.parseListSlots(req));
      return { slots: page.items.map((s) => slotToPb(s)), nextPageToken: page.nextPageToken };
    },

    setSlotStatus: async (req: SetSlotStatusRequest, ctx: CallContext): Promise<SetSlotStatusResponse> => {
      const cmd = parse.parseSetSlotStatus(req);
      return { slot: slotToPb(await useCases.setSlotStatus.run(ctx.principal, cmd.slotId, cmd.status)) };
    },
  };
}
