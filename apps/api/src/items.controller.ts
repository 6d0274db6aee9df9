import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiTags,
} from '@nestjs/swagger';
import {
  CreateItemDto,
  Item,
  ItemDto,
  ItemEnvelopeDto,
  ItemPageDto,
  ItemRead,
  ItemReadDto,
  ItemsService,
  ListItemsQueryDto,
  UpdateItemDto,
} from '@app/items';
import { ApiBodyErrors, ApiServiceErrors } from './http/api-errors.decorator';
import { ErrorDto } from './http/error.dto';
import { ParseIdPipe } from './http/parse-id.pipe';

@ApiTags('items')
@ApiBadRequestResponse({ type: ErrorDto, description: 'Malformed JSON, wrong types, unknown fields or a non-uuid id' })
@ApiServiceErrors()
@Controller('items')
export class ItemsController {
  constructor(private readonly items: ItemsService) {}

  @Post()
  @ApiBodyErrors()
  @ApiCreatedResponse({ type: ItemDto, description: 'The created item (version 1)' })
  create(@Body() dto: CreateItemDto): Promise<Item> {
    return this.items.create(dto.name, dto.value);
  }

  @Get()
  @ApiOkResponse({ type: ItemPageDto, description: 'One keyset page, in id order' })
  async list(@Query() q: ListItemsQueryDto): Promise<ItemPageDto> {
    const data = await this.items.list(q.after, q.limit);
    return { data, nextCursor: data.length === q.limit ? data[data.length - 1].id : null };
  }

  @Get(':id')
  @ApiOkResponse({ type: ItemReadDto, description: 'Read through the cache: a miss loads from PostgreSQL and fills the cache' })
  @ApiNotFoundResponse({ type: ErrorDto })
  get(@Param('id', ParseIdPipe) id: string): Promise<ItemRead> {
    return this.items.get(id);
  }

  @Put(':id')
  @ApiBodyErrors()
  @ApiOkResponse({ type: ItemEnvelopeDto, description: 'PostgreSQL is written first (version + 1), then the cache' })
  @ApiNotFoundResponse({ type: ErrorDto })
  @ApiConflictResponse({ type: ErrorDto, description: 'expectedVersion does not match' })
  async update(@Param('id', ParseIdPipe) id: string, @Body() dto: UpdateItemDto): Promise<ItemEnvelopeDto> {
    return { data: await this.items.update(id, dto) };
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Deleted from PostgreSQL, then from the cache' })
  @ApiNotFoundResponse({ type: ErrorDto })
  async delete(@Param('id', ParseIdPipe) id: string): Promise<void> {
    await this.items.delete(id);
  }
}
