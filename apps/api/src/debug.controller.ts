import { Controller, HttpCode, Param, Post, UseGuards } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { CheckRequestedDto, InconsistenciesService, RefreshResultDto } from '@app/consistency';
import { AdminGuard } from './http/admin.guard';
import { ApiServiceErrors } from './http/api-errors.decorator';
import { ErrorDto } from './http/error.dto';
import { ParseIdPipe } from './http/parse-id.pipe';
import { DEBUG_PATH } from './http/paths';

@ApiTags('debug')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ type: ErrorDto, description: 'ADMIN_TOKEN is set and the bearer token is missing or wrong' })
@ApiForbiddenResponse({ type: ErrorDto, description: 'NODE_ENV=production and no ADMIN_TOKEN is set' })
@ApiBadRequestResponse({ type: ErrorDto, description: 'A non-uuid id' })
@ApiServiceErrors()
@UseGuards(AdminGuard)
@Controller(DEBUG_PATH.slice(1))
export class DebugController {
  constructor(private readonly inconsistencies: InconsistenciesService) {}

  @Post('refresh/:id')
  @HttpCode(200)
  @ApiOkResponse({ type: RefreshResultDto, description: 'Cache rewritten from PostgreSQL; open records resolved as refreshed' })
  @ApiNotFoundResponse({ type: ErrorDto })
  refresh(@Param('id', ParseIdPipe) id: string): Promise<RefreshResultDto> {
    return this.inconsistencies.refresh(id);
  }

  @Post('check/:id')
  @HttpCode(202)
  @ApiAcceptedResponse({ type: CheckRequestedDto, description: 'A manual check is queued for the worker' })
  async check(@Param('id', ParseIdPipe) id: string): Promise<CheckRequestedDto> {
    await this.inconsistencies.requestCheck(id);
    return { queued: true };
  }
}
