import type { CatalogService } from '../../services/catalog.service';
import type {
  CreateServiceRequest,
  CreateServiceResponse,
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
} from '../../gen/booking/v1/booking_service';
import { serviceToPb, slotToPb } from '../codec';
import * as parse from '../requests';

/** Providers' RPCs: proto in, one service call, proto out. */
export function catalogHandlers(catalog: CatalogService) {
  return {
    createService: async (req: CreateServiceRequest): Promise<CreateServiceResponse> => {
      return { service: serviceToPb(await catalog.createService(parse.parseCreateService(req))) };
    },

    getService: async (req: GetServiceRequest): Promise<GetServiceResponse> => {
      return { service: serviceToPb(await catalog.getService(parse.parseGetService(req))) };
    },

    listServices: async (req: ListServicesRequest): Promise<ListServicesResponse> => {
      const page = await catalog.listServices(parse.parseListServices(req));
      return { services: page.items.map(serviceToPb), nextPageToken: page.nextPageToken };
    },

    generateSlots: async (req: GenerateSlotsRequest): Promise<GenerateSlotsResponse> => {
      const result = await catalog.generateSlots(parse.parseGenerateSlots(req));
      return { createdCount: result.created, existingCount: result.existing };
    },

    listSlots: async (req: ListSlotsRequest): Promise<ListSlotsResponse> => {
      const page = await catalog.listSlots(parse.parseListSlots(req));
      return { slots: page.items.map((s) => slotToPb(s)), nextPageToken: page.nextPageToken };
    },

    setSlotStatus: async (req: SetSlotStatusRequest): Promise<SetSlotStatusResponse> => {
      const cmd = parse.parseSetSlotStatus(req);
      return { slot: slotToPb(await catalog.setSlotStatus(cmd.slotId, cmd.status)) };
    },
  };
}
