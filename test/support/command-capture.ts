/**
 * Driver command monitoring for the apps a test file starts: every
 * connection mongoose opens gets `monitorCommands: true`, and each command
 * the app sends is recorded (name, collection, filter). Import this module
 * before starting an app; `capture(fn)` returns the commands sent while `fn` ran.
 */
import mongoose from 'mongoose';

export interface Command {
  name: string;
  collection: string;
  command: Record<string, unknown>;
}

interface MonitoredClient {
  on(
    event: 'commandStarted',
    fn: (e: { commandName: string; command: Record<string, unknown> }) => void,
  ): void;
}

/** Commands that are the driver's own (handshakes, monitoring), not the app's. */
const DRIVER_COMMANDS = new Set([
  'hello',
  'isMaster',
  'ismaster',
  'ping',
  'endSessions',
  'saslStart',
  'saslContinue',
]);

let sink: Command[] | null = null;

type CreateConnection = typeof mongoose.createConnection;
const original: CreateConnection = mongoose.createConnection.bind(mongoose);
mongoose.createConnection = ((uri: string, options?: mongoose.ConnectOptions) => {
  const conn = original(uri, { ...options, monitorCommands: true });
  conn.asPromise().then(
    () =>
      (conn.getClient() as unknown as MonitoredClient).on('commandStarted', (e) => {
        if (!sink || DRIVER_COMMANDS.has(e.commandName)) return;
        const collection = e.command[e.commandName];
        sink.push({
          name: e.commandName,
          collection: typeof collection === 'string' ? collection : '',
          command: e.command,
        });
      }),
    () => undefined,
  );
  return conn;
}) as CreateConnection;

/** The app commands (of every monitored connection) sent while `fn` ran. */
export async function capture<T>(fn: () => Promise<T>): Promise<{ result: T; commands: Command[] }> {
  const commands: Command[] = [];
  sink = commands;
  try {
    const result = await fn();
    return { result, commands };
  } finally {
    sink = null;
  }
}
