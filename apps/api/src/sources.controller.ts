import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { SourceDto, SourcesService } from '@app/sources';
import { ApiServiceErrors } from './http/api-errors.decorator';

@ApiTags('sources')
@ApiServiceErrors()
@Controller('sources')
export class SourcesController {
  constructor(private readonly sources: SourcesService) {}

  @Get()
  @ApiOkResponse({ type: [SourceDto], description: 'Every guarded source: the built-in items, then those declared in POLARIS_SOURCES' })
  list(): SourceDto[] {
    return this.sources.list();
  }
}
