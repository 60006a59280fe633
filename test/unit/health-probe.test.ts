/**
 * Where the health probe dials: loopback for a wildcard BIND_HOST, the
 * address itself otherwise.
 */
import { ProbeSetupError, probeTarget } from '../../src/health-probe';

describe('probeTarget', () => {
  it.each([
    ['0.0.0.0', '127.0.0.1:50051'],
    ['::', '[::1]:50051'],
    ['[::]', '[::1]:50051'],
    ['127.0.0.1', '127.0.0.1:50051'],
    ['10.1.2.3', '10.1.2.3:50051'],
    ['::1', '[::1]:50051'],
    ['fd00::5', '[fd00::5]:50051'],
    ['[fd00::5]', '[fd00::5]:50051'],
    ['localhost', 'localhost:50051'],
  ])('BIND_HOST=%s dials %s', (bindHost, target) => {
    expect(probeTarget(bindHost, 50051)).toBe(target);
  });

  it('refuses PORT=0 (a random port the probe cannot know), naming PORT', () => {
    expect(() => probeTarget('0.0.0.0', 0)).toThrow(ProbeSetupError);
    expect(() => probeTarget('0.0.0.0', 0)).toThrow(/^PORT=0 /);
  });
});
