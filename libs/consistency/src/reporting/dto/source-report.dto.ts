import { ApiProperty } from '@nestjs/swagger';
import { SourceDto } from '@app/sources';
import { SliDto } from './metrics-summary.dto';

export interface LastSweepPass {
  passes: number;
  durationMs: number | null;
  at: string | null;
}

export class SourceStatsDto {
  @ApiProperty({ example: 1520, description: 'Captured changes relayed to checks, across the api and the workers' })
  changesCaptured: number;

  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'integer' },
    example: { consistent: 3011, miss: 20, stale: 2 },
    description: 'Checks by outcome',
  })
  checks: Record<string, number>;

  @ApiProperty({ type: 'object', additionalProperties: { type: 'integer' }, example: { stale: 1 }, description: 'Open records by kind' })
  activeRecords: Record<string, number>;

  @ApiProperty({ type: SliDto, description: 'The post-write (post-change) SLI of this source' }) sli: SliDto;

  // Inline rather than a $ref: OpenAPI 3.0 cannot make a referenced schema nullable.
  @ApiProperty({
    type: 'object',
    nullable: true,
    description: 'null until a pass completes',
    required: ['passes', 'durationMs', 'at'],
    properties: {
      passes: { type: 'integer', example: 12, description: 'Completed passes' },
      durationMs: { type: 'integer', nullable: true, example: 8350, description: 'Duration of the last completed pass (ms)' },
      at: { type: 'string', format: 'date-time', nullable: true, description: 'When it completed (declared sources)' },
    },
  })
  lastSweepPass: LastSweepPass | null;
}

export class SourceReportDto extends SourceDto {
  @ApiProperty({ type: SourceStatsDto }) stats: SourceStatsDto;
}
