/**
 * The six scenarios of the benchmark. Each runs the service's workload from
 * worker processes, then (where the issue asks for it) the same workload with
 * the bare driver against the same database: the floor.
 */
export { waitForServer } from '../lib/grpc';
export type { Config, Ctx } from './context';
export { fanout } from './fanout';
export { generation } from './generation';
export { history } from './history';
export { hot } from './hot';
export { places } from './places';
export { spread } from './spread';
