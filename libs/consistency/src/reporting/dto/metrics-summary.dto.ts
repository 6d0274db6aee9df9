import { ApiProperty } from '@nestjs/swagger';

export class TransitionCountsDto {
  @ApiProperty() detected: number;
  @ApiProperty() cleared: number;
  @ApiProperty() confirmed: number;
  @ApiProperty() persistent: number;
  @ApiProperty() resolved: number;
}

export class SliDto {
  @ApiProperty({ example: 1000, description: 'Post-write checks taken as samples' }) samples: number;
  @ApiProperty({ example: 998 }) consistent: number;
  @ApiProperty({ example: 1 }) inconsistent: number;
  @ApiProperty({ example: 1, description: 'No cached copy at the time: judges nothing' }) absent: number;
  @ApiProperty({ example: 0.999, description: 'consistent / (consistent + inconsistent)' }) ratio: number;
  @ApiProperty({ example: 3, description: '-log10(1 - ratio), capped at log10(samples)' }) nines: number;
}

export class WorkerSnapshotDto {
  @ApiProperty({ example: 'worker-7f9c:4211:1764302400000', description: 'hostname:pid:start time of the worker' }) id: string;
  @ApiProperty({
    example: 2.4,
    description: 'Seconds since the worker published the snapshot this summary counts (it publishes every 5 s)',
  })
  ageSeconds: number;
}

export class MetricsSummaryDto {
  @ApiProperty({ example: 120 }) cacheHits: number;
  @ApiProperty({ example: 7 }) cacheMisses: number;
  @ApiProperty({ example: 1 }) activeInconsistencies: number;
  @ApiProperty({ example: 3 }) resolvedInconsistencies: number;
  @ApiProperty({ example: 4 }) totalInconsistencies: number;
  @ApiProperty({ example: 6.5, description: 'Mean seconds from first detection to resolution, over resolved records' })
  avgResolutionTime: number;
  @ApiProperty({ type: TransitionCountsDto, description: 'Lifecycle transitions since the processes started, summed over api and workers' })
  transitions: TransitionCountsDto;
  @ApiProperty({ type: SliDto, description: 'Writes consistent POST_WRITE_CHECK_DELAY_MS after they were made' })
  sli: SliDto;
  @ApiProperty({
    type: [WorkerSnapshotDto],
    description: "The workers whose counters this summary includes (published within 30 s), and how old each one's figures are",
  })
  workers: WorkerSnapshotDto[];
}
