export interface SimulatorClock {
  /** Epoch milliseconds on the simulator's own timeline. */
  now(): number;
  /** Moves simulated time forward; time never goes back, so rolling windows and sessions stay consistent. */
  advance(ms: number): number;
}

export interface ClockOptions {
  /** Simulated time at creation (default: the real current time). */
  start?: number;
  /** A frozen clock only moves through advance(), which makes generated data byte-for-byte reproducible. */
  frozen?: boolean;
}

export function createClock(options: ClockOptions = {}): SimulatorClock {
  const realStart = Date.now();
  const start = options.start ?? realStart;
  let offset = 0;
  const frozen = options.frozen ?? false;
  const now = () => start + offset + (frozen ? 0 : Date.now() - realStart);
  return {
    now,
    advance(ms) {
      if (!Number.isFinite(ms) || ms < 0) throw new RangeError('the simulator clock only moves forward');
      offset += ms;
      return now();
    },
  };
}
