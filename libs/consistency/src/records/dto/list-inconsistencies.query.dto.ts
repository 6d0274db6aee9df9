import { ApiPropertyOptional } from '@nestjs/swagger';
import { DecimalInteger } from '@app/items';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

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
}
