import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { CAPTURE, HEAL, KEY_FORMATS, ON_CHANGE } from '../declaration/source-declaration';

export class SourceKeyDto {
  @ApiProperty({ example: 'customer:{id}', description: 'The key template; {column} placeholders' })
  key: string;

  @ApiProperty({ enum: KEY_FORMATS })
  format: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'string' },
    description: 'json and hash keys: cache field -> column',
  })
  fields?: Record<string, string>;

  @ApiPropertyOptional({ description: 'string keys: the column whose text the key holds' })
  column?: string;

  @ApiProperty({ example: 'customer:*', description: 'The SCAN pattern that finds its keys' })
  scanPattern: string;
}

export class SourceDto {
  @ApiProperty({ example: 'customers' })
  name: string;

  @ApiProperty({ description: 'The built-in demo source (the items API), not declared in polaris.yaml' })
  builtIn: boolean;

  @ApiProperty({ example: 'shop.customers' })
  table: string;

  @ApiProperty({ type: [String], example: ['id'] })
  primaryKey: string[];

  @ApiPropertyOptional({ example: 'updated_at', description: 'The column whose greater value is newer' })
  version?: string;

  @ApiProperty({ enum: ON_CHANGE, description: 'What a captured change does' })
  onChange: string;

  @ApiProperty({ enum: HEAL, description: 'What a confirmed inconsistency does' })
  heal: string;

  @ApiPropertyOptional({ description: 'Delay of the first check after a change (ms)' })
  checkDelayMs?: number;

  @ApiProperty({ enum: CAPTURE, description: '`none`: no trigger on the table; guarded by the sweep (and audit) alone' })
  capture: string;

  @ApiProperty({ example: 'changes are captured by a trigger and checked, and the sweep checks every row' })
  guardedBy: string;

  @ApiProperty({ type: [SourceKeyDto] })
  keys: SourceKeyDto[];
}
