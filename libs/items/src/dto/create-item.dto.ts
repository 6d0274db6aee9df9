import { ApiProperty } from '@nestjs/swagger';
import { IsDefined, IsString, Length } from 'class-validator';
import type { JsonValue } from '../item';
import { ANY_JSON_BUT_NULL } from './json-schema';
import { IsStorableJson, IsStorableText } from './storable-json';

export class CreateItemDto {
  @ApiProperty({ minLength: 1, maxLength: 200, example: 'widget' })
  @IsStorableText()
  @IsString()
  @Length(1, 200)
  name: string;

  @ApiProperty({ ...ANY_JSON_BUT_NULL, example: { color: 'blue', size: 3 } })
  @IsStorableJson()
  @IsDefined({ message: 'value must be a JSON value other than null' })
  value: JsonValue;
}
