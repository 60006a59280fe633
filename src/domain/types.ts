/** Domain records: what the services work with, free of storage and wire types. */

export type SlotStatus = 'AVAILABLE' | 'LOCKED' | 'BOOKED';
export type AppointmentStatus = 'CONFIRMED' | 'CANCELLED';

export interface Price {
  amountMinor: number;
  currencyCode: string;
}

/** A local time of day as minutes since midnight; 1440 means end of day. */
export type MinuteOfDay = number;

export interface ServiceDefinition {
  name: string;
  description: string;
  address: string;
  price: Price;
  timeZone: string;
  openingMinute: MinuteOfDay;
  closingMinute: MinuteOfDay;
  slotDurationMinutes: number;
  active: boolean;
}

export interface ServiceRecord extends ServiceDefinition {
  id: string;
  createdAt: Date;
  updatedAt: Date;
}

export interface SlotRecord {
  id: string;
  serviceId: string;
  startTime: Date;
  endTime: Date;
  status: SlotStatus;
  /** The appointment holding the slot while BOOKED. */
  appointmentId: string | null;
  revision: number;
  updatedAt: Date;
}

export interface AppointmentRecord {
  id: string;
  userId: string;
  serviceId: string;
  slotId: string;
  status: AppointmentStatus;
  startTime: Date;
  endTime: Date;
  createdAt: Date;
  cancelledAt: Date | null;
  cancellationReason: string;
}

/** An appointment with the service and slot it refers to (either may be gone). */
export interface AppointmentView {
  appointment: AppointmentRecord;
  service: ServiceRecord | null;
  slot: SlotRecord | null;
}

/** A calendar date without a time zone. */
export interface LocalDate {
  year: number;
  month: number;
  day: number;
}

export interface Page<T> {
  items: T[];
  nextPageToken: string;
}
