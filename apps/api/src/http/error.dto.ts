import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** The JSON body of every 4xx and 5xx. */
export class ErrorDto {
  @ApiProperty({ example: 404 }) statusCode: number;
  @ApiPropertyOptional({ example: 'Not Found' }) error?: string;
  @ApiPropertyOptional({ example: 'ITEM_NOT_FOUND', description: 'Domain error code, when there is one' }) code?: string;
  @ApiProperty({
    oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
    example: 'Item 6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f not found',
  })
  message: string | string[];
}
