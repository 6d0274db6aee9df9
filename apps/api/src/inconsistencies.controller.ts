import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiNotFoundResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { InconsistenciesService, InconsistencyDetailDto, InconsistencyDto, ListInconsistenciesQueryDto } from '@app/consistency';
import { ApiServiceErrors } from './http/api-errors.decorator';
import { ErrorDto } from './http/error.dto';
import { ParseIdPipe } from './http/parse-id.pipe';

@ApiTags('inconsistencies')
@ApiBadRequestResponse({ type: ErrorDto })
@ApiServiceErrors()
@Controller()
export class InconsistenciesController {
  constructor(private readonly inconsistencies: InconsistenciesService) {}

  @Get('items/inconsistencies/all')
  @ApiOkResponse({ type: [InconsistencyDto], description: 'Every record, resolved or not, newest last_seen first' })
  all(@Query() q: ListInconsistenciesQueryDto): Promise<InconsistencyDto[]> {
    return this.inconsistencies.list(false, q.limit, q.source);
  }

  @Get('items/inconsistencies/active')
  @ApiOkResponse({ type: [InconsistencyDto], description: 'Open records (confirmed or persistent), newest last_seen first' })
  active(@Query() q: ListInconsistenciesQueryDto): Promise<InconsistencyDto[]> {
    return this.inconsistencies.list(true, q.limit, q.source);
  }

  @Get('inconsistencies/:id')
  @ApiOkResponse({ type: InconsistencyDetailDto, description: 'One record, with the timeline of changes and checks around its detection' })
  @ApiNotFoundResponse({ type: ErrorDto })
  get(@Param('id', ParseIdPipe) id: string): Promise<InconsistencyDetailDto> {
    return this.inconsistencies.get(id);
  }
}
