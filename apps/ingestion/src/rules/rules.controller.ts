import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Post, Put } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import { type NewRule, ruleInputSchema, type RuleView } from '@nextbuy/contracts';
import { ApiErrorResponse, ApiKeyAuth, RequiresScope, ZodValidationPipe } from '@nextbuy/server';
import { RULE_BODY, RULE_SCHEMA } from './rules.openapi';
import { RulesService } from './rules.service';

const ID_PARAM = { name: 'id', description: 'The rule id', example: '3' };
const BAD_RULE =
  'A field is missing or invalid, or the condition does not parse (the message names the position and what was expected there)';

/** Merchandising rules (docs/rules.md): every route needs `admin`. Serving applies a change within a second. */
@ApiTags('rules')
@Controller('v1/rules')
export class RulesController {
  constructor(private readonly rules: RulesService) {}

  @Get()
  @ApiKeyAuth('admin')
  @RequiresScope('admin')
  @ApiOperation({ summary: 'Every merchandising rule, oldest first' })
  @ApiResponse({ status: 200, description: 'The rules', schema: { type: 'array', items: RULE_SCHEMA } })
  list(): Promise<RuleView[]> {
    return this.rules.list();
  }

  @Post()
  @ApiKeyAuth('admin')
  @RequiresScope('admin')
  @ApiOperation({
    summary: 'Create a merchandising rule',
    description:
      'Pin, boost, bury or filter the products a condition selects, in every served answer (customer ' +
      'lists, similar, bought-together, the MCP tool) and in `nextbuy export`; serving applies it within a ' +
      'second. Every item a rule touched carries a reason `{feature: "rule", value: <rule id>, attribution: 0}`.',
  })
  @ApiBody(RULE_BODY)
  @ApiResponse({ status: 201, description: 'Created', schema: RULE_SCHEMA })
  @ApiErrorResponse(400, BAD_RULE)
  @ApiErrorResponse(409, 'The most rules held at once (1000) are already stored')
  create(@Body(new ZodValidationPipe(ruleInputSchema)) body: NewRule): Promise<RuleView> {
    return this.rules.create(body);
  }

  @Get(':id')
  @ApiKeyAuth('admin')
  @RequiresScope('admin')
  @ApiOperation({ summary: 'One rule' })
  @ApiParam(ID_PARAM)
  @ApiResponse({ status: 200, description: 'The rule', schema: RULE_SCHEMA })
  @ApiErrorResponse(404, 'No such rule')
  get(@Param('id') id: string): Promise<RuleView> {
    return this.rules.get(id);
  }

  @Put(':id')
  @ApiKeyAuth('admin')
  @RequiresScope('admin')
  @ApiOperation({ summary: 'Replace a rule (the body is a whole rule, as for create)' })
  @ApiParam(ID_PARAM)
  @ApiBody(RULE_BODY)
  @ApiResponse({ status: 200, description: 'Replaced', schema: RULE_SCHEMA })
  @ApiErrorResponse(400, BAD_RULE)
  @ApiErrorResponse(404, 'No such rule')
  replace(
    @Param('id') id: string,
    @Body(new ZodValidationPipe(ruleInputSchema)) body: NewRule,
  ): Promise<RuleView> {
    return this.rules.replace(id, body);
  }

  @Delete(':id')
  @ApiKeyAuth('admin')
  @RequiresScope('admin')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ summary: 'Delete a rule' })
  @ApiParam(ID_PARAM)
  @ApiResponse({ status: 204, description: 'Deleted' })
  @ApiErrorResponse(404, 'No such rule')
  remove(@Param('id') id: string): Promise<void> {
    return this.rules.remove(id);
  }
}
