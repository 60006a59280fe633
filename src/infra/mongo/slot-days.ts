import type { Types } from 'mongoose';
import type { Models, ServiceDoc } from './models';
import { hex } from './object-ids';

/**
 * Slots are looked up one UTC day of one service at a time (`serviceDay`),
 * within the service's `slotDays`: the keys, the day arithmetic, and the
 * widening of `slotDays` that comes before any slot of a new day is written.
 */

export const DAY_MS = 86_400_000;

export const dayNumber = (at: Date): number => Math.floor(at.getTime() / DAY_MS);
export const isoDay = (day: number): string => new Date(day * DAY_MS).toISOString().slice(0, 10);
export const utcDay = (at: Date): string => at.toISOString().slice(0, 10);

/** A slot's `serviceDay`: its service and the UTC day it starts. */
export const serviceDayOf = (serviceId: Types.ObjectId, startTime: Date): string =>
  `${hex(serviceId)}:${utcDay(startTime)}`;

/** The `serviceDay` of day number `day` of a service. */
export const serviceDayKey = (serviceId: Types.ObjectId, day: number): string =>
  `${hex(serviceId)}:${isoDay(day)}`;

/** The service's `slotDays` as day numbers; null when it has no slots (or is gone). */
export async function slotDayRange(
  models: Pick<Models, 'services'>,
  service: Types.ObjectId,
): Promise<{ first: number; last: number } | null> {
  const doc = await models.services
    .findById(service, { slotDays: 1 })
    .lean<Pick<ServiceDoc, 'slotDays'>>()
    .exec();
  if (!doc?.slotDays) return null;
  return {
    first: dayNumber(new Date(`${doc.slotDays.first}T00:00:00Z`)),
    last: dayNumber(new Date(`${doc.slotDays.last}T00:00:00Z`)),
  };
}

/**
 * Makes the service's `slotDays` cover [first, last]. FerretDB applies an
 * update as a read then a write of the whole document, so two concurrent
 * widenings can lose one: each writer reads back and widens again until its
 * own days are covered (the last writer to check sees a range covering its
 * own, whichever write landed last).
 */
export async function widenSlotDays(
  models: Pick<Models, 'services'>,
  service: Types.ObjectId,
  first: string,
  last: string,
): Promise<void> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const doc = await models.services
      .findById(service, { slotDays: 1 })
      .lean<Pick<ServiceDoc, 'slotDays'>>()
      .exec();
    if (!doc) return;
    const days = doc.slotDays;
    if (days && days.first <= first && days.last >= last) return;
    await models.services
      .updateOne(
        { _id: service },
        {
          $set: {
            slotDays: {
              first: days && days.first < first ? days.first : first,
              last: days && days.last > last ? days.last : last,
            },
          },
        },
      )
      .exec();
  }
}
