import { Controller, DynamicModule, Get, Inject, Logger, Module, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '@app/temporal';
import { ProblemException } from '../common/problem';

/** Where `npm run build` puts the web app (apps/web, built by Vite). */
export const WEB_DIST = join(PROJECT_ROOT, 'dist', 'web');

/**
 * Paths of the API itself: never answered with the web app's page, so an unknown API path stays a
 * JSON 404. Every other GET that no route matched is the web app's (its router decides).
 */
export const API_PATHS = ['/admin', '/members', '/nodes', '/public', '/session', '/health', '/docs', '/static'];

const WEB_INDEX = Symbol('web app index.html');

const isApiPath = (path: string) => API_PATHS.some((p) => path === p || path.startsWith(`${p}/`));

/**
 * The web app's page for every path of the app (`/me`, `/rounds/<id>`, `/decide/<token>`…), never
 * cached. Registered last, so it sees only the GETs no API route took. (The hashed scripts under
 * /static/ are served by express.static in app.setup.ts. @nestjs/serve-static was tried first: its
 * error handler turns every error on an excluded path, such as malformed JSON, into a 404.)
 */
@ApiExcludeController()
@Controller()
class WebAppController {
  constructor(@Inject(WEB_INDEX) private readonly index: string) {}

  @Get('{*path}')
  page(@Req() req: Request, @Res() res: Response): void {
    if (isApiPath(req.path)) throw new ProblemException(404, 'not_found', `Cannot GET ${req.path}`);
    // A page opened by a signed link (/decide/<token>) keeps the no-store set for its path.
    if (!res.getHeader('Cache-Control')) res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(this.index);
  }
}

/** Serves the built web app at the API's root: one process, one port. Without a build, the API only. */
@Module({})
export class WebModule {
  static forRoot(dir = WEB_DIST): DynamicModule {
    const index = join(dir, 'index.html');
    if (!existsSync(index)) {
      new Logger(WebModule.name).warn(`no web app at ${dir} (npm run build makes it): serving the API only`);
      return { module: WebModule };
    }
    return { module: WebModule, controllers: [WebAppController], providers: [{ provide: WEB_INDEX, useValue: index }] };
  }
}
