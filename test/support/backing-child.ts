/**
 * A process that obtains backing services (per its environment), prints one
 * JSON line {mongoUri, describe} and then idles until killed: for tests of what
 * happens to the services when their owner dies.
 */
import { obtainBackingServices } from '../../scripts/local-servers';

obtainBackingServices({ log: () => undefined }).then(
  (backing) => {
    process.stdout.write(`${JSON.stringify({ mongoUri: backing.mongoUri, describe: backing.describe })}\n`);
    setInterval(() => undefined, 1 << 30);
  },
  (err: unknown) => {
    process.stderr.write(`${String(err)}\n`);
    process.exit(1);
  },
);
