import { ApiProperty } from '@nestjs/swagger';
import { ItemDto } from '@app/items';

export class RefreshResultDto {
  @ApiProperty({ type: ItemDto, description: 'The item as now cached' })
  data: ItemDto;

  @ApiProperty({ example: 1, description: 'Open inconsistency records resolved as refreshed' })
  resolved: number;
}

export class CheckRequestedDto {
  @ApiProperty({ example: true })
  queued: boolean;
}
