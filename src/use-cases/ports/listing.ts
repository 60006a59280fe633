/** Shapes the repositories' listings and change scans share. */

/** A position in a sorted listing: the sort key of the last item and its id. */
export interface Cursor {
  key: number;
  id: string;
}

/**
 * Records changed in a stretch of time, oldest change first. They are looked
 * up in time buckets, oldest first, until `limit` rows are found (all rows of
 * the last bucket read are returned, so there may be more); `through` is the
 * time up to which the stretch has been examined in full.
 */
export interface Changed<T> {
  rows: T[];
  through: Date;
}
