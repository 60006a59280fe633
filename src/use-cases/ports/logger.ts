/** Where the use cases report what they repaired, skipped or could not do (pino in service). */
export interface UseCaseLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}
