import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, IsUUID, Max, Min } from 'class-validator';
import { DecimalInteger } from './decimal-integer';

export const ITEMS_PAGE_DEFAULT = 50;
export const ITEMS_PAGE_MAX = 500;

export class ListItemsQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: ITEMS_PAGE_MAX, default: ITEMS_PAGE_DEFAULT })
  @IsOptional()
  @DecimalInteger()
  @IsInt()
  @Min(1)
  @Max(ITEMS_PAGE_MAX)
  limit: number = ITEMS_PAGE_DEFAULT;

  @ApiPropertyOptional({ format: 'uuid', description: "Return items whose id sorts after this one (the previous page's nextCursor)" })
  @IsOptional()
  @IsUUID()
  after?: string;
}
