/**
 * Progressive delay for failed logins (OWASP "progressive backoff", no lockout). One rule for every
 * counter: the first `free` failures cost nothing; after that each attempt must wait 2^(failures - free)
 * × `firstDelaySeconds` since the last failure, at most `maxDelaySeconds`. A counter is forgotten `windowSeconds`
 * after its delay has run out without a new failure. Pure: no clock, no database.
 */
export interface ThrottleCounter {
  failures: number;
  /** Seconds since the last failure counted; null when there was none. */
  secondsSinceLastFailure: number | null;
}

export interface ThrottleLimits {
  free: number;
  /** The wait after the first failure past the free ones; it doubles with each further failure. */
  firstDelaySeconds: number;
  maxDelaySeconds: number;
  windowSeconds: number;
}

export function delaySeconds(failures: number, limits: ThrottleLimits): number {
  if (failures < limits.free) return 0;
  return Math.min(limits.firstDelaySeconds * 2 ** Math.min(failures - limits.free, 30), limits.maxDelaySeconds);
}

/** The failures that still count (0 once the counter is forgotten). */
export function liveFailures(counter: ThrottleCounter, limits: ThrottleLimits): number {
  if (counter.secondsSinceLastFailure === null || counter.failures <= 0) return 0;
  const forgottenAfter = delaySeconds(counter.failures, limits) + limits.windowSeconds;
  return counter.secondsSinceLastFailure > forgottenAfter ? 0 : counter.failures;
}

/** 0 when an attempt may go ahead now; otherwise the whole seconds to wait. */
export function waitSeconds(counter: ThrottleCounter, limits: ThrottleLimits): number {
  const failures = liveFailures(counter, limits);
  const delay = delaySeconds(failures, limits);
  if (delay === 0 || counter.secondsSinceLastFailure === null) return 0;
  const remaining = delay - counter.secondsSinceLastFailure;
  return remaining > 0 ? Math.ceil(remaining) : 0;
}
