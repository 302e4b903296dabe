import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Post, Req, Res } from '@nestjs/common';
import type { KeyView } from '@nextbuy/contracts';
import { ZodValidationPipe } from '@nextbuy/server';
import { z } from 'zod';
import type { LiveFigures } from '../live/live-metrics';
import { LiveMetricsService } from '../live/live-metrics.service';
import { SessionService } from './session.service';

const signInBody = z
  .object({
    api_key: z.string({ error: 'api_key is required (a string)' }).trim().min(1, 'api_key is empty'),
  })
  .strict();

interface Request {
  headers: Record<string, string | string[] | undefined>;
}
interface Reply {
  header(name: string, value: string): unknown;
}

/**
 * The console's own routes: sign-in (`/session`) and the live figures. Everything else under
 * `/api/` is forwarded to the apps, which check the key themselves.
 */
@Controller()
export class SessionController {
  constructor(
    private readonly sessions: SessionService,
    private readonly live: LiveMetricsService,
  ) {}

  @Post('session')
  @HttpCode(HttpStatus.OK)
  async signIn(
    @Body(new ZodValidationPipe(signInBody)) body: z.infer<typeof signInBody>,
    @Res({ passthrough: true }) reply: Reply,
  ): Promise<KeyView> {
    const view = await this.sessions.verify(body.api_key);
    reply.header('set-cookie', this.sessions.cookie(body.api_key));
    return view;
  }

  @Get('session')
  current(@Req() request: Request): Promise<KeyView> {
    return this.sessions.current(request.headers);
  }

  @Delete('session')
  @HttpCode(HttpStatus.NO_CONTENT)
  signOut(@Res({ passthrough: true }) reply: Reply): void {
    reply.header('set-cookie', this.sessions.clearedCookie());
  }

  @Get('api/console/live')
  async liveFigures(@Req() request: Request): Promise<LiveFigures> {
    await this.sessions.current(request.headers);
    return this.live.figures();
  }
}
