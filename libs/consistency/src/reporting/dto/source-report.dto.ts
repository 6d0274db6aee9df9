import { ApiProperty } from '@nestjs/swagger';
import { SourceDto } from '@app/sources';
import { SliDto } from './metrics-summary.dto';

export class LastSweepPassDto {
  @ApiProperty({ example: 12, description: 'Completed passes' }) passes: number;
  @ApiProperty({ example: 8350, nullable: true, type: Number, description: 'Duration of the last completed pass (ms)' }) durationMs:
    number | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String, description: 'When it completed (declared sources)' }) at:
    string | null;
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
  @ApiProperty({ type: LastSweepPassDto, nullable: true, description: 'null until a pass completes' })
  lastSweepPass: LastSweepPassDto | null;
}

export class SourceReportDto extends SourceDto {
  @ApiProperty({ type: SourceStatsDto }) stats: SourceStatsDto;
}
