/** The time every decision is made at: the wall clock in service, a controlled one in tests. */
export type Clock = () => Date;
