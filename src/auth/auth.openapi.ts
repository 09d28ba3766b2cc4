/** OpenAPI schemas of the auth answers. */
import { namedSchema, oa } from '../common/openapi/schema.js';
import type { TokenPair } from './auth.service.js';

export const TOKEN_PAIR_SCHEMA = namedSchema(
  'TokenPair',
  oa.object<TokenPair>({
    accessToken: oa.string({ description: 'JWT: send as Authorization: Bearer <accessToken>' }),
    refreshToken: oa.string({ description: 'Single use: trade it at /auth/refresh for a new pair' }),
    tokenType: oa.enum(['Bearer']),
    expiresIn: oa.integer({ description: 'Seconds until the access token expires' }),
    refreshExpiresAt: oa.dateTime('When the refresh token expires (each refresh starts a new lifetime)'),
  }),
);

export interface MeAnswer {
  id: string;
  email: string;
  name: string;
  role: string;
  partnerIds: number[];
  permissions: string[];
}

export const ME_SCHEMA = namedSchema(
  'Me',
  oa.object<MeAnswer>({
    id: oa.string(),
    email: oa.string({ format: 'email' }),
    name: oa.string(),
    role: oa.string(),
    partnerIds: oa.array(oa.integer(), { description: 'Partners the admin may see; empty = every partner' }),
    permissions: oa.array(oa.string()),
  }),
);
