import { Inject, Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { createSecretKey, randomBytes } from 'node:crypto';
import { hashOpaqueToken } from '../crypto/opaque-token.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { AuthenticationError } from './auth-errors.js';

export const TOKEN_ISSUER = 'chronicle';
export const TOKEN_AUDIENCE = 'chronicle-admin';

/** What an access token says: who and which session (role and permissions are looked up live). */
export interface AccessClaims {
  adminId: string;
  sessionId: string;
}

/**
 * Access tokens: HS256 JWTs {sub, sid, typ: 'access'}, short-lived. Refresh tokens: 256 random
 * bits, base64url; only their SHA-256 is stored (they are random, so a fast hash suffices).
 */
@Injectable()
export class TokenService {
  private readonly jwt: JwtService;

  constructor(@Inject(APP_CONFIG) private readonly config: Pick<AppConfig, 'jwtSecret' | 'accessTokenTtlSeconds'>) {
    this.jwt = new JwtService({
      // A KeyObject, built once: given a string, jsonwebtoken first tries (and fails) to parse it as a
      // PEM public key on every verify, ~9% of the app's CPU under load (BENCHMARKS.md, 2).
      secret: createSecretKey(Buffer.from(config.jwtSecret, 'utf8')),
      signOptions: { algorithm: 'HS256', issuer: TOKEN_ISSUER, audience: TOKEN_AUDIENCE },
      verifyOptions: { algorithms: ['HS256'], issuer: TOKEN_ISSUER, audience: TOKEN_AUDIENCE },
    });
  }

  get accessTokenTtlSeconds(): number {
    return this.config.accessTokenTtlSeconds;
  }

  /** `expiresAt` overrides the configured lifetime (tests sign already-expired tokens with it). */
  signAccessToken(claims: AccessClaims, options: { expiresAt?: Date } = {}): string {
    const payload = { sub: claims.adminId, sid: claims.sessionId, typ: 'access' };
    if (options.expiresAt) {
      const exp = Math.floor(options.expiresAt.getTime() / 1000);
      return this.jwt.sign({ ...payload, iat: Math.min(exp - 1, Math.floor(Date.now() / 1000)), exp });
    }
    return this.jwt.sign(payload, { expiresIn: this.config.accessTokenTtlSeconds });
  }

  /** Throws AuthenticationError('token_expired' | 'invalid_token'). */
  verifyAccessToken(token: string): AccessClaims {
    let payload: { sub?: unknown; sid?: unknown; typ?: unknown; exp?: unknown };
    try {
      payload = this.jwt.verify(token);
    } catch (error) {
      throw new AuthenticationError((error as Error).name === 'TokenExpiredError' ? 'token_expired' : 'invalid_token');
    }
    if (payload.typ !== 'access' || typeof payload.sub !== 'string' || typeof payload.sid !== 'string') throw new AuthenticationError('invalid_token');
    // jsonwebtoken accepts a token without `exp` as never expiring: every token this app signs has one, so one without is forged or foreign.
    if (typeof payload.exp !== 'number' || !Number.isFinite(payload.exp)) throw new AuthenticationError('invalid_token');
    return { adminId: payload.sub, sessionId: payload.sid };
  }

  newRefreshToken(): { token: string; hash: string } {
    const token = randomBytes(32).toString('base64url');
    return { token, hash: hashRefreshToken(token) };
  }
}

export const hashRefreshToken = hashOpaqueToken;
