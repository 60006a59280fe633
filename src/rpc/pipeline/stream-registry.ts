import { shuttingDown } from '../transport-errors';
import type { OpenStream } from './call';

/** The open server streams of this instance: to limit them per principal and end them on shutdown. */
export class StreamRegistry {
  private readonly open = new Set<OpenStream>();
  private readonly perPrincipal = new Map<string, number>();
  private closing = false;

  /** Registers a stream, unless the server is shutting down or the principal has `limit` open already. */
  add(stream: OpenStream, principal: string, limit: number): 'added' | 'too-many' | 'shutting-down' {
    if (this.closing) return 'shutting-down';
    const count = this.perPrincipal.get(principal) ?? 0;
    if (count >= limit) return 'too-many';
    this.perPrincipal.set(principal, count + 1);
    this.open.add(stream);
    return 'added';
  }

  delete(stream: OpenStream, principal: string): void {
    if (!this.open.delete(stream)) return;
    const count = (this.perPrincipal.get(principal) ?? 1) - 1;
    if (count > 0) this.perPrincipal.set(principal, count);
    else this.perPrincipal.delete(principal);
  }

  get size(): number {
    return this.open.size;
  }

  /** Ends every stream with UNAVAILABLE, so clients resume on another instance; refuses new ones. */
  endAll(): void {
    this.closing = true;
    for (const s of [...this.open]) s.end(shuttingDown());
  }
}
