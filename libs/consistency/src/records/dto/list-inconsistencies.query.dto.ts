import { ApiPropertyOptional } from '@nestjs/swagger';
import { DecimalInteger } from '@app/items';
import { IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';

export const INCONSISTENCIES_PAGE_DEFAULT = 100;
export const INCONSISTENCIES_PAGE_MAX = 1000;

export class ListInconsistenciesQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: INCONSISTENCIES_PAGE_MAX, default: INCONSISTENCIES_PAGE_DEFAULT })
  @IsOptional()
  @DecimalInteger()
  @IsInt()
  @Min(1)
  @Max(INCONSISTENCIES_PAGE_MAX)
  limit: number = INCONSISTENCIES_PAGE_DEFAULT;

  @ApiPropertyOptional({ example: 'customers', description: 'Only the records of this source (`items`, or a declared source)' })
  @IsOptional()
  @Matches(/^[a-z][a-z0-9_]*$/, { message: 'source must be a source name ([a-z][a-z0-9_]*)' })
  @IsString()
  source?: string;
}
