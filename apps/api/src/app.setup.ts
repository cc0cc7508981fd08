import { INestApplication, LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import type { NestExpressApplication } from '@nestjs/platform-express';
import cookieParser from 'cookie-parser';
import express, { NextFunction, Request, Response } from 'express';
import helmet from 'helmet';
import { join } from 'node:path';
import { AppConfig } from '@app/config';
import { AppModule } from './app.module';
import { ProblemException } from './common/problem';
import { ProblemFilter } from './common/problem.filter';
import { inputGuard, verifyJsonBytes } from './common/input-guard';
import { reenterRequestContext, requestContextMiddleware } from './common/request-context';
import { authFailureLimit, decidePageLimit, signedLinkLimit } from './common/rate-limits';
import { createValidationPipe } from './common/validation';
import { WEB_DIST } from './web/web.module';
import { AuditTrail } from './people/audit-trail';

/**
 * `Cache-Control: no-store` on every answer to an authenticated request, on the authenticated
 * areas (their 401s too), on `/health` and on the signed-link page: tokens, webhook secrets and
 * members' data must not stay in a browser's or a proxy's cache.
 */
const NO_STORE_PATHS = /^\/(admin|members|nodes|decide|health)(\/|$)/;
function noStore(req: Request, res: Response, next: NextFunction): void {
  if (req.headers.authorization !== undefined || NO_STORE_PATHS.test(req.path)) res.setHeader('Cache-Control', 'no-store');
  next();
}

/**
 * Express's body parsers report their errors with a `type` such as `entity.parse.failed` and an
 * HTTP status; each becomes a problem document (an unknown one would otherwise be a 500).
 */
function bodyParserErrors(err: unknown, _req: Request, _res: Response, next: NextFunction): void {
  const e = err as { type?: string; message?: string; status?: number; expose?: boolean };
  switch (e?.type) {
    case 'entity.parse.failed':
      return next(new ProblemException(400, 'malformed_json', `the request body is not valid JSON: ${e.message}`));
    case 'entity.too.large':
      return next(new ProblemException(413, 'payload_too_large', 'the request body is larger than 1 MB'));
    case 'charset.unsupported':
      return next(new ProblemException(415, 'unsupported_charset', `${e.message}: send the body as UTF-8`));
    case 'encoding.unsupported':
      return next(new ProblemException(415, 'unsupported_content_encoding', `${e.message}: send it uncompressed, or as gzip, deflate or br`));
    case 'parameters.too.many':
      return next(new ProblemException(413, 'payload_too_large', 'the form has too many fields'));
  }
  // Any other client error of the parser (http-errors marks those `expose`), e.g. a body that says gzip but is not.
  if (!(err instanceof ProblemException) && e?.expose === true && typeof e.status === 'number' && e.status >= 400 && e.status < 500) {
    return next(new ProblemException(e.status === 403 ? 400 : e.status, 'malformed_body', `the request body could not be read: ${e.message}`));
  }
  next(err);
}

/**
 * The API reads JSON only: a body of any other type (a form, text, a file) is a 415 problem, never
 * an empty body that then fails validation field by field.
 */
function jsonBodiesOnly(req: Request, _res: Response, next: NextFunction): void {
  if (req.readable && req.headers['content-length'] !== '0' && (req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined) && !req.is(['application/json', 'application/*+json'])) {
    return next(new ProblemException(415, 'unsupported_media_type', `the API reads JSON bodies only (Content-Type: application/json), not ${req.headers['content-type'] ?? 'a body without a type'}`));
  }
  next();
}

/**
 * The OpenAPI document's header and security schemes. The document itself is read from the
 * controllers: served at /docs, and committed as openapi/dpn.openapi.json (scripts/openapi.ts),
 * from which the web app's client types are generated.
 */
export function openApiConfig(): Omit<OpenAPIObject, 'paths'> {
  return new DocumentBuilder()
    .setTitle('DPN orchestration API')
    .setDescription(
      'Admin, node and member APIs of a Distributed Production Network. Errors are RFC 9457 problem documents ' +
        '(application/problem+json) with a machine-readable `code` and, for 400s, `errors` per field.',
    )
    .setVersion('0.3.0')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'The bootstrap token (ADMIN_TOKEN), or a coordinator’s personal token (dpn_crd_…) acting with its owner’s role; the console’s session cookie (dpn_console, with X-CSRF-Token on writes) works too' }, 'coordinator')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'A member token (dpn_mbr_…) the coordinator issued' }, 'member')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'A node token (dpn_node_…) the coordinator issued' }, 'node')
    .addCookieAuth('dpn_session', { type: 'apiKey', in: 'cookie', description: 'The web app’s session (POST /session); state-changing requests also need the X-CSRF-Token header' }, 'session')
    .build();
}

/**
 * Creates the HTTP application with everything about its edge that is not a route: body
 * parsing, validation, error bodies, OpenAPI docs. Used by main.ts and by the e2e tests, so the
 * tests exercise the real configuration.
 */
export async function createApiApp(config: AppConfig, logger?: LoggerService | false): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), { bodyParser: false, ...(logger !== undefined ? { logger } : {}) });
  if (config.trustProxy !== undefined) app.set('trust proxy', config.trustProxy);
  // First: the request id (x-request-id), its context for every log line, and the request's metrics and log line.
  app.use(requestContextMiddleware);
  // The audit trail of every state-changing request, refused ones included (see AuditTrail).
  app.use(app.get(AuditTrail).middleware);
  // Security headers (helmet): no X-Powered-By, nosniff; the web app loads only its own scripts;
  // no page of ours in a frame (the docs and the app cannot be clickjacked); no Referer (emailed
  // links carry credentials). Swagger UI at /docs needs its inline styles, as do charts.
  app.use(
    helmet({
      contentSecurityPolicy: {
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          styleSrc: ["'self'", "'unsafe-inline'"],
          imgSrc: ["'self'", 'data:'],
          connectSrc: ["'self'"],
          frameAncestors: ["'none'"],
          formAction: ["'self'"],
          baseUri: ["'none'"],
          objectSrc: ["'none'"],
          // Only where the site is served over HTTPS: on a plain-http LAN it would break every request.
          upgradeInsecureRequests: config.nodeEnv === 'production' ? [] : null,
        },
      },
      frameguard: { action: 'deny' },
      referrerPolicy: { policy: 'no-referrer' },
      // Only over HTTPS in production; a local http:// must not be pinned to https.
      strictTransportSecurity: config.nodeEnv === 'production',
    }),
  );
  // The web app's hashed scripts and styles (its page is answered by WebModule): cached for a year.
  app.use('/static', express.static(join(WEB_DIST, 'static'), { immutable: true, maxAge: '365d', index: false, fallthrough: true }));
  app.use(noStore);
  app.use(['/admin', '/members', '/nodes'], authFailureLimit(config.rateLimits.authFailures));
  // The signed links: the page they open, and where the app redeems them for a session.
  app.use('/decide', decidePageLimit(config.rateLimits.decidePerMinute));
  app.use('/session', signedLinkLimit(config.rateLimits.decidePerMinute));
  // The web app's session cookie (the member API reads it besides bearer tokens).
  app.use(cookieParser());
  app.use(express.json({ limit: '1mb', strict: true, verify: verifyJsonBytes }), bodyParserErrors, jsonBodiesOnly, reenterRequestContext);
  app.use(inputGuard);
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new ProblemFilter());
  const doc = openApiConfig();
  SwaggerModule.setup('docs', app, () => SwaggerModule.createDocument(app, doc), { jsonDocumentUrl: 'docs/openapi.json' });
  app.enableShutdownHooks(['SIGINT', 'SIGTERM']);
  // Idle keep-alive sockets stay open longer than any client or proxy keeps them (undici 4 s, load
  // balancers 60 s): the server must never close one just as a client sends on it (a reset).
  const server = app.getHttpServer() as import('node:http').Server;
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  return app;
}
