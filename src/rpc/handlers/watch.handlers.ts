import type { WatchSlotAvailabilityRequest } from '../../gen/booking/v1/booking_service';
import type { UseCases } from '../../use-cases';
import * as parse from '../requests';
import type { CallContext } from '../unary';
import type { WatchStream } from '../watch/watch-stream';

/** Live availability: proto in, one use-case call that subscribes the stream. */
export function watchHandlers({ watchSlotAvailability: watch }: Pick<UseCases, 'watchSlotAvailability'>) {
  return {
    watchSlotAvailability: async (
      req: WatchSlotAvailabilityRequest,
      ctx: CallContext,
      stream: WatchStream,
    ): Promise<void> => {
      const query = parse.parseWatchSlotAvailability(req);
      ctx.logger.info(
        { principal: ctx.principal.subject, serviceId: query.serviceId, snapshot: query.snapshot },
        'watch started',
      );
      stream.hold(await watch.run(query, stream));
    },
  };
}
