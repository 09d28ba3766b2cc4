import { delaySeconds, liveFailures, waitSeconds } from '../../src/auth/login-throttle-policy.js';

const limits = { free: 5, firstDelaySeconds: 1, maxDelaySeconds: 900, windowSeconds: 900 };

describe('progressive login delay', () => {
  it('is free for the first failures, then doubles up to the cap', () => {
    expect([0, 4, 5, 6, 7, 14, 15, 40].map((failures) => delaySeconds(failures, limits))).toEqual([0, 0, 1, 2, 4, 512, 900, 900]);
  });

  it('asks to wait what is left of the delay since the last failure', () => {
    expect(waitSeconds({ failures: 7, secondsSinceLastFailure: 1.5 }, limits)).toBe(3);
    expect(waitSeconds({ failures: 7, secondsSinceLastFailure: 4 }, limits)).toBe(0);
    expect(waitSeconds({ failures: 4, secondsSinceLastFailure: 0 }, limits)).toBe(0);
    expect(waitSeconds({ failures: 0, secondsSinceLastFailure: null }, limits)).toBe(0);
  });

  it('forgets a counter a window after its delay ran out, never while at the cap within it', () => {
    expect(liveFailures({ failures: 20, secondsSinceLastFailure: 900 + 899 }, limits)).toBe(20);
    expect(liveFailures({ failures: 20, secondsSinceLastFailure: 900 + 901 }, limits)).toBe(0);
    // At the cap a guesser gets one try per 15 minutes: 96 a day per account and address pair.
    expect(waitSeconds({ failures: 20, secondsSinceLastFailure: 899 }, limits)).toBe(1);
  });
});
