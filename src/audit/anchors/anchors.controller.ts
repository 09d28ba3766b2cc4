import { Controller, Get, HttpCode, Post, Query, Req } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { RequirePermission } from '../../auth/decorators.js';
import { PartnerScope } from '../../auth/partner-scope.js';
import { ProblemException } from '../../common/problem.js';
import { RequestMeta, type AuthenticatedRequest } from '../../common/request-context.js';
import type { EventMetadata } from '../../event-store/event-store.port.js';
import { AnchorService } from './anchor-service.js';
import { ANCHOR_LIST_SCHEMA, ANCHOR_RUN_SCHEMA } from './anchors.openapi.js';

const int = () => Transform(({ value }) => (typeof value === 'string' && /^\d{1,9}$/.test(value) ? Number(value) : value));

export class AnchorListQueryDto {
  @ApiPropertyOptional({ description: '1..100', default: 20 })
  @IsOptional()
  @int()
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;

  @ApiPropertyOptional({ description: 'Opaque; the nextCursor of the previous page' })
  @IsOptional()
  @IsString()
  @Matches(/^\d{1,9}$/, { message: 'cursor is not a cursor this endpoint returned' })
  cursor?: string;

  @ApiPropertyOptional({ description: "Also answer the Merkle proof of this stream's head (e.g. customer-42)", example: 'customer-42' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  @Matches(/^[A-Za-z0-9$][A-Za-z0-9_.:$-]*$/, { message: 'streamId must be a stream id' })
  streamId?: string;

  @ApiPropertyOptional({ description: 'The anchor the proof is of (default: the newest)', minimum: 1 })
  @IsOptional()
  @int()
  @IsInt()
  @Min(1)
  sequence?: number;
}

/**
 * The anchors of the hash chains (see AnchorService): auditors read them with their proofs
 * ('audit.read'); operators force one ('operations').
 */
@ApiTags('audit')
@Controller('audit/anchors')
export class AnchorsController {
  constructor(private readonly anchors: AnchorService) {}

  @Get()
  @RequirePermission('audit.read')
  @ApiOperation({
    summary: 'The anchors of the hash chains, newest first, and a Merkle proof of one stream',
    description:
      'Each anchor is a ChainHeadsAnchored event of the audit-anchors stream: the Merkle root over every stream head. ' +
      "?streamId= adds `proof`: the stream's anchored head, its leaf hash and the path to the root of the anchor (?sequence=, default the newest).",
  })
  @ApiOkResponse({ description: 'The anchors (and the proof)', schema: ANCHOR_LIST_SCHEMA })
  @ApiNotFoundResponse({ description: 'audit.anchor_not_found: the stream is not in that anchor (or outside the admin\'s partners)' })
  async list(@Query() query: AnchorListQueryDto, @Req() request: AuthenticatedRequest) {
    const limit = query.limit ?? 20;
    const items = await this.anchors.list({ before: query.cursor ? Number(query.cursor) : undefined, limit });
    const oldest = items[items.length - 1];
    const nextCursor = oldest && oldest.sequence > 1 && items.length === limit ? String(oldest.sequence) : null;
    if (query.streamId === undefined) return { items, nextCursor };
    // Stream ids name customers: a partner-restricted admin may only prove their own customers' streams.
    if (!PartnerScope.of(request.actor).unrestricted) throw notInAnchor(query.streamId);
    const proof = await this.anchors.proof(query.streamId, query.sequence);
    if (!proof) throw notInAnchor(query.streamId);
    return { items, nextCursor, proof };
  }

  @Post()
  @HttpCode(200)
  @RequirePermission('operations')
  @ApiOperation({
    summary: 'Anchor the chain heads now',
    description: 'Waits (bounded) for the chain heads read model to reach the newest event, then anchors what moved. Nothing moved: nothing written (skipped: unchanged).',
  })
  @ApiOkResponse({ description: 'What the run did, and the newest anchor', schema: ANCHOR_RUN_SCHEMA })
  anchor(@RequestMeta() metadata: EventMetadata) {
    return this.anchors.anchorOnRequest(metadata);
  }
}

function notInAnchor(streamId: string): ProblemException {
  return ProblemException.rule('audit.anchor_not_found', `Stream ${streamId} is in no such anchor`);
}
