import { DynamicModule, Logger, Module } from '@nestjs/common';
import { ServeStaticModule } from '@nestjs/serve-static';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '@app/temporal';

/** Where `npm run build` puts the web app (apps/web, built by Vite). */
export const WEB_DIST = join(PROJECT_ROOT, 'dist', 'web');

/**
 * Paths of the API itself: never answered with the web app's page, so an unknown API path stays a
 * JSON 404. Every other GET that no route matched is the web app's (its router decides).
 */
export const API_PATHS = ['/admin', '/members', '/nodes', '/public', '/session', '/health', '/docs'];

/**
 * Serves the built web app at the API's root: hashed files under /static/ for a year, the page
 * itself for every path of the app (`/me`, `/rounds/<id>`, `/decide/<token>`…), never cached.
 * One process, one port. Without a build (`npm run build` builds it) the API runs without it.
 */
@Module({})
export class WebModule {
  static forRoot(dir = WEB_DIST): DynamicModule {
    if (!existsSync(join(dir, 'index.html'))) {
      new Logger(WebModule.name).warn(`no web app at ${dir} (npm run build makes it): serving the API only`);
      return { module: WebModule };
    }
    return {
      module: WebModule,
      imports: [
        ServeStaticModule.forRoot({
          rootPath: dir,
          exclude: API_PATHS.map((p) => `${p}{/*path}`),
          serveStaticOptions: {
            index: false,
            fallthrough: true,
            setHeaders: (res, path) => {
              res.setHeader('Cache-Control', path.includes(`${join(dir, 'static')}`) ? 'public, max-age=31536000, immutable' : 'no-cache');
            },
          },
        }),
      ],
    };
  }
}
