import { Inject, Injectable } from '@nestjs/common';
import bcrypt from 'bcryptjs';
import { APP_CONFIG, type AppConfig } from '../../config/app-config.js';

/** bcrypt with the configured cost (≥ 10). Only the hash ever leaves this class. */
@Injectable()
export class PasswordHasher {
  /** Compared against when the email is unknown, so a miss costs as long as a wrong password. */
  private readonly dummyHash: string;

  constructor(@Inject(APP_CONFIG) private readonly config: Pick<AppConfig, 'passwordHashCost'>) {
    this.dummyHash = bcrypt.hashSync('chronicle-timing-equaliser', config.passwordHashCost);
  }

  hash(password: string): Promise<string> {
    return bcrypt.hash(password, this.config.passwordHashCost);
  }

  /** False for a missing hash too (after the same work as a real comparison). */
  async verify(password: string, hash: string | undefined): Promise<boolean> {
    const matches = await bcrypt.compare(password, hash || this.dummyHash);
    return Boolean(hash) && matches;
  }
}
