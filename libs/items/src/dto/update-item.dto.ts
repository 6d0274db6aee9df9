import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsDefined, IsInt, IsOptional, IsString, Length, Max, Min } from 'class-validator';
import type { JsonValue } from '../item';
import { ANY_JSON_BUT_NULL } from './json-schema';
import { IsStorableJson, IsStorableText } from './storable-json';

/** `items.version` is a PostgreSQL integer. */
export const MAX_VERSION = 2_147_483_647;

export class UpdateItemDto {
  @ApiProperty({ ...ANY_JSON_BUT_NULL, example: { color: 'red', size: 4 } })
  @IsStorableJson()
  @IsDefined({ message: 'value must be a JSON value other than null' })
  value: JsonValue;

  @ApiPropertyOptional({ minLength: 1, maxLength: 200, example: 'widget' })
  @IsOptional()
  @IsStorableText()
  @IsString()
  @Length(1, 200)
  name?: string;

  @ApiPropertyOptional({
    minimum: 1,
    maximum: MAX_VERSION,
    example: 3,
    description: 'Optimistic concurrency: 409 unless the item is at this version',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_VERSION)
  expectedVersion?: number;
}
