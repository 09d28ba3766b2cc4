import { Global, Module } from '@nestjs/common';
import { ReadYourWrites, ReadYourWritesInterceptor } from './read-your-writes.js';

/** `ReadYourWrites` (the wait) and its interceptor, for every module with read endpoints. */
@Global()
@Module({
  providers: [ReadYourWrites, ReadYourWritesInterceptor],
  exports: [ReadYourWrites, ReadYourWritesInterceptor],
})
export class ReadYourWritesModule {}
