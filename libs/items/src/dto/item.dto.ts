import { ApiProperty } from '@nestjs/swagger';
import type { JsonValue } from '../item';
import { ANY_JSON_BUT_NULL } from './json-schema';

export class ItemDto {
  @ApiProperty({ format: 'uuid', example: '6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f' })
  id: string;

  @ApiProperty({ example: 'widget' })
  name: string;

  @ApiProperty({ ...ANY_JSON_BUT_NULL, example: { color: 'blue', size: 3 } })
  value: JsonValue;

  @ApiProperty({ minimum: 1, example: 1, description: '1 on insert, +1 on every update' })
  version: number;

  @ApiProperty({ format: 'date-time' })
  createdAt: string;

  @ApiProperty({ format: 'date-time' })
  updatedAt: string;
}

export class ItemReadDto {
  @ApiProperty({ enum: ['cache', 'db'], example: 'cache', description: 'Where this read was served from' })
  source: 'cache' | 'db';

  @ApiProperty({ type: ItemDto })
  data: ItemDto;
}

export class ItemEnvelopeDto {
  @ApiProperty({ type: ItemDto })
  data: ItemDto;
}

export class ItemPageDto {
  @ApiProperty({ type: [ItemDto] })
  data: ItemDto[];

  @ApiProperty({ format: 'uuid', nullable: true, type: String, description: 'Pass as `after` for the next page; null on the last page' })
  nextCursor: string | null;
}
