import { Global, Module } from '@nestjs/common';
import { CLOCK, systemClock } from '../domain-kernel/clock.js';

/** The one Clock of the app (CLOCK): the system clock; tests override the provider with a ManualClock. */
@Global()
@Module({ providers: [{ provide: CLOCK, useValue: systemClock }], exports: [CLOCK] })
export class ClockModule {}
