import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { SourceReportDto, SourceReportService } from '@app/consistency';
import { ApiServiceErrors } from './http/api-errors.decorator';

@ApiTags('sources')
@ApiServiceErrors()
@Controller('sources')
export class SourcesController {
  constructor(private readonly sources: SourceReportService) {}

  @Get()
  @ApiOkResponse({
    type: [SourceReportDto],
    description: 'Every guarded source (the built-in items, then those declared in POLARIS_SOURCES) with its keys and figures',
  })
  list(): Promise<SourceReportDto[]> {
    return this.sources.list();
  }
}
