/**
 * Nothing unstorable gets in. For every route of the API's own OpenAPI document (so a new route is
 * covered without touching this file), every kind of text a coordinator, member or node can send
 * (each string field of a JSON body at any depth, each query parameter, each path parameter, each
 * data header) is sent once with a NUL and once with a lone UTF-16 surrogate: each answer is a 400
 * problem with the edge's machine-readable code, and nothing is written to PostgreSQL or started in
 * Temporal. Also: JSON depth, numeric query bounds, unknown charsets and content encodings, and the
 * urlencoded form of the decision page (not in the OpenAPI document).
 */
import { connect } from 'node:net';
import { randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { AuditTrail } from '../../apps/api/src/people/audit-trail';
import { ADMIN_TOKEN, eventually, useTestSystem } from '../support/stack';

type Schema = {
  $ref?: string;
  type?: string;
  properties?: Record<string, Schema>;
  items?: Schema;
  allOf?: Schema[];
  oneOf?: Schema[];
  anyOf?: Schema[];
  enum?: unknown[];
  format?: string;
};
interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  schema?: Schema;
}
interface Operation {
  parameters?: Parameter[];
  requestBody?: { content?: Record<string, { schema?: Schema }> };
  security?: Array<Record<string, string[]>>;
}
interface OpenApi {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema> };
}

const NUL = 'a\u0000b';
const SURROGATE = 'a\ud800b';
const BAD_TEXTS = [
  ['NUL', NUL],
  ['lone surrogate', SURROGATE],
] as const;
/** A bad field is `validation_failed`, like any other; the edge's own field codes say what is wrong (apps/api/src/common/input-guard.ts). */
const GUARD_CODE = 'validation_failed';
const TEXT_FAULTS = ['nulCharacter', 'unpairedSurrogate', 'malformedEncoding', 'tooLong', 'invalidHeader'];
const faultAt = (body: { errors?: Array<{ field: string; code: string }> }, field: string) =>
  (body.errors ?? []).some((e) => e.field === field && TEXT_FAULTS.includes(e.code));

describe('the HTTP edge refuses text PostgreSQL cannot store', () => {
  const ctx = useTestSystem({ worker: false });
  let doc: OpenApi;
  const tokens: Record<string, string> = { coordinator: ADMIN_TOKEN };
  /** The member's own node: its owner's routes (/members/me/nodes/{nodeId}/…) check ownership before the query. */
  let nodeId = '';
  let snapshot: string;

  /** A digest of every row of every table (minus last-use stamps), to prove nothing was written. */
  async function tableDigest(): Promise<string> {
    const tables = await ctx.db.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name`,
    );
    const parts: string[] = [];
    for (const { table_name } of tables) {
      const [row] = await ctx.db.query<{ d: string | null }>(
        `SELECT md5(string_agg((to_jsonb(t) - 'last_used_at')::text, '|' ORDER BY (to_jsonb(t) - 'last_used_at')::text)) AS d FROM "${table_name}" t`,
      );
      parts.push(`${table_name}:${row.d ?? '-'}`);
    }
    return parts.join('\n');
  }

  beforeAll(async () => {
    const auth = { Authorization: `Bearer ${ADMIN_TOKEN}` };
    doc = (await ctx.http.get('/docs/openapi.json').expect(200)).body as OpenApi;
    const member = await ctx.http.post('/admin/members').set(auth).send({ name: 'Ada', email: `ada-${randomUUID()}@example.org` }).expect(201);
    tokens.member = (await ctx.http.post(`/admin/members/${member.body.id}/tokens`).set(auth).send({ name: 'phone' }).expect(201)).body.token;
    const node = await ctx.http
      .post('/admin/nodes')
      .set(auth)
      .send({
        name: 'Shop',
        ownerMemberId: member.body.id,
        automationLevel: 'manual',
        capabilities: [{ function: 'woodworking', capacity: 1, unit: 'parts/week' }],
        webhookUrl: 'http://127.0.0.1:9/hook',
      })
      .expect(201);
    nodeId = node.body.id;
    tokens.node = (await ctx.http.post(`/admin/nodes/${node.body.id}/tokens`).set(auth).send({ name: 'receiver' }).expect(201)).body.token;
    // A first use of each token stamps it; later uses within a minute write nothing.
    await ctx.http.get('/members/me').set('Authorization', `Bearer ${tokens.member}`).expect(200);
    await ctx.http.get('/nodes/me/jobs').set('Authorization', `Bearer ${tokens.node}`).expect(200);
    snapshot = await tableDigest();
  });

  /** The port of the API's HTTP server (listening on demand: supertest alone never binds it). */
  async function port(): Promise<number> {
    const server = ctx.sys.api.getHttpServer();
    if (!server.listening) await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    return (server.address() as { port: number }).port;
  }

  const resolve = (s: Schema | undefined): Schema | undefined => {
    if (!s) return s;
    if (s.$ref) return resolve(doc.components.schemas[s.$ref.replace('#/components/schemas/', '')]);
    const parts = s.allOf ?? s.oneOf ?? s.anyOf;
    if (parts) return parts.map(resolve).reduce<Schema>((a, b) => ({ ...a, ...b, properties: { ...a.properties, ...b?.properties } }), {});
    return s;
  };

  /** Every path (keys and array indexes) to a string inside a schema. */
  function stringPaths(schema: Schema | undefined, prefix: Array<string | number> = [], depth = 0): Array<Array<string | number>> {
    const s = resolve(schema);
    if (!s || depth > 8) return [];
    if (s.type === 'string') return [prefix];
    if (s.type === 'array' || s.items) return stringPaths(s.items, [...prefix, 0], depth + 1);
    return Object.entries(s.properties ?? {}).flatMap(([k, v]) => stringPaths(v, [...prefix, k], depth + 1));
  }

  function bodyWith(path: Array<string | number>, value: string): unknown {
    if (!path.length) return value;
    const [head, ...rest] = path;
    if (typeof head === 'number') return [bodyWith(rest, value)];
    return { [head]: bodyWith(rest, value) };
  }

  const validPathValue = (name: string, p: Parameter | undefined): string => {
    const s = resolve(p?.schema);
    if (s?.enum?.length) return String(s.enum[0]);
    if (name === 'phase') return 'rnd';
    return randomUUID();
  };

  interface Case {
    label: string;
    method: string;
    url: string;
    headers: Record<string, string>;
    body?: unknown;
    field: string;
  }

  function cases(): Case[] {
    const out: Case[] = [];
    for (const [template, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        // The first scheme a test holds a token for (member routes also take the web app's cookie).
        const scheme = op.security?.flatMap((s) => Object.keys(s)).find((k) => tokens[k] !== undefined);
        const headers: Record<string, string> = scheme ? { Authorization: `Bearer ${tokens[scheme]}` } : {};
        const params = op.parameters ?? [];
        const fill = (override?: { name: string; raw: string }) =>
          template.replace(/\{(\w+)\}/g, (_, name: string) =>
            override?.name === name ? override.raw : encodeURIComponent(validPathValue(name, params.find((p) => p.name === name && p.in === 'path'))),
          );
        const url = fill();
        for (const [, name] of template.matchAll(/\{(\w+)\}/g)) {
          out.push({ label: `${method.toUpperCase()} ${template} path ${name} NUL`, method, url: fill({ name, raw: 'a%00b' }), headers, field: 'path' });
          // A lone surrogate cannot be UTF-8: as percent-encoded bytes it is malformed.
          out.push({ label: `${method.toUpperCase()} ${template} path ${name} lone surrogate`, method, url: fill({ name, raw: 'a%ED%A0%80b' }), headers, field: 'path' });
        }
        for (const p of params.filter((x) => x.in === 'query')) {
          out.push({ label: `${method.toUpperCase()} ${template} query ${p.name} NUL`, method, url: `${url}?${p.name}=a%00b`, headers, field: p.name });
          out.push({ label: `${method.toUpperCase()} ${template} query ${p.name} lone surrogate`, method, url: `${url}?${p.name}=a%ED%A0%80b`, headers, field: p.name });
        }
        for (const p of params.filter((x) => x.in === 'header' && x.name.toLowerCase() !== 'authorization')) {
          // Node's HTTP parser itself refuses a NUL in a header (tested below with a raw socket);
          // what can arrive is any Latin-1 byte, which no data header of ours accepts.
          out.push({ label: `${method.toUpperCase()} ${template} header ${p.name}`, method, url, headers: { ...headers, [p.name]: 'key-\u00e9\u00ff' }, field: p.name });
        }
        const schema = op.requestBody?.content?.['application/json']?.schema;
        if (schema) {
          for (const path of stringPaths(schema)) {
            for (const [what, text] of BAD_TEXTS) {
              out.push({ label: `${method.toUpperCase()} ${template} body ${path.join('.')} ${what}`, method, url, headers, body: bodyWith(path, text), field: path.join('.') });
            }
          }
          // Keys are text too.
          out.push({ label: `${method.toUpperCase()} ${template} body key NUL`, method, url, headers, body: { [NUL]: 1 }, field: 'body' });
        }
      }
    }
    return out;
  }

  it('covers every operation of the OpenAPI document that takes text', () => {
    const all = cases();
    const templates = new Set(all.map((c) => c.label.split(' ').slice(0, 2).join(' ')));
    // A sanity floor: the API has dozens of operations taking text; a broken walker finds few.
    expect(templates.size).toBeGreaterThan(40);
    expect(all.some((c) => c.field.startsWith('tasks.0.'))).toBe(true);
    expect(all.some((c) => c.field === 'comment')).toBe(true);
  });

  it('answers each NUL or lone surrogate with a 400 problem naming the field', async () => {
    const wrong: string[] = [];
    for (const c of cases()) {
      let req = ctx.http[c.method as 'get'](c.url).set(c.headers);
      if (c.body !== undefined) req = req.send(c.body as object);
      const res = await req;
      const ok =
        res.status === 400 &&
        /application\/problem\+json/.test(String(res.headers['content-type'])) &&
        res.body.code === GUARD_CODE &&
        faultAt(res.body, c.field);
      if (!ok) wrong.push(`${c.label}: ${res.status} ${JSON.stringify(res.body).slice(0, 160)}`);
    }
    expect(wrong).toEqual([]);
  });

  it('refuses the same in the decision page: its path, its query, and the link it redeems', async () => {
    // The decision page is the web app's; it answers through the JSON API (POST /session redeems the link).
    const path = await ctx.http.get('/decide/a%00b');
    const query = await ctx.http.get(`/decide/${'x'.repeat(40)}?answered=%00`);
    const link = await ctx.http.post('/session').send({ link: `a\u0000${'x'.repeat(40)}` });
    for (const [res, field] of [
      [path, 'path'],
      [query, 'answered'],
      [link, 'link'],
    ] as const) {
      expect({ field, status: res.status, code: res.body.code, fault: faultAt(res.body, field) }).toEqual({ field, status: 400, code: GUARD_CODE, fault: true });
    }
  });

  it('refuses a JSON body whose bytes are not UTF-8 (instead of storing U+FFFD in their place)', async () => {
    const raw = Buffer.concat([Buffer.from('{"name":"a'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('b","email":"x@example.org"}')]);
    const res = await fetch(`http://127.0.0.1:${await port()}/admin/members`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, 'Content-Type': 'application/json' },
      body: raw,
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: GUARD_CODE, errors: [{ field: 'body', code: 'malformedEncoding' }] });
  });

  it('refuses over-long text anywhere in a body', async () => {
    const res = await ctx.http
      .post('/admin/members')
      .set('Authorization', `Bearer ${ADMIN_TOKEN}`)
      .send({ name: 'Ada', email: 'ada@example.org', extra: { deep: ['x'.repeat(200_000)] } });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: GUARD_CODE, errors: [{ field: 'extra.deep.0', code: 'tooLong' }] });
  });

  it('refuses JSON numbers that cannot be carried exactly (a node reporting made: 1e20)', async () => {
    const res = await ctx.http
      .post(`/nodes/me/jobs/${randomUUID()}/complete`)
      .set('Authorization', `Bearer ${tokens.node}`)
      .set('Content-Type', 'application/json')
      .send('{"made":1e20,"scrapped":1e400}');
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: { field: string; code: string }) => [e.field, e.code]).sort()).toEqual([
      ['made', 'numberOutOfRange'],
      ['scrapped', 'numberOutOfRange'],
    ]);
  });

  it('bounds JSON nesting depth (400, never a 500)', async () => {
    let nested: unknown = 'leaf';
    for (let i = 0; i < 40; i++) nested = { n: nested };
    const deep = await ctx.http.post('/admin/members').set('Authorization', `Bearer ${ADMIN_TOKEN}`).send({ name: 'Ada', email: 'ada@example.org', nested });
    expect(deep.status).toBe(400);
    expect(deep.body.code).toBe('too_deeply_nested');
    // Far deeper than any parser should recurse into: still a 400 problem.
    const huge = '['.repeat(200_000) + ']'.repeat(200_000);
    const res = await ctx.http.post('/admin/members').set('Authorization', `Bearer ${ADMIN_TOKEN}`).set('Content-Type', 'application/json').send(huge);
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
  });

  it('bounds every numeric query parameter (a huge offset is a 400, not a 500)', async () => {
    const wrong: string[] = [];
    for (const [template, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        if (method !== 'get') continue;
        // The first scheme a test holds a token for (member routes also take the web app's cookie).
        const scheme = op.security?.flatMap((s) => Object.keys(s)).find((k) => tokens[k] !== undefined);
        const numeric = (op.parameters ?? []).filter((p) => p.in === 'query' && ['integer', 'number'].includes(resolve(p.schema)?.type ?? ''));
        const url = template.replace(/\{(\w+)\}/g, (_, name: string) => (name === 'nodeId' ? nodeId : randomUUID()));
        for (const p of numeric) {
          for (const v of ['1e20', '99999999999999999999', '-99999999999999999999', '9007199254740993']) {
            const res = await ctx.http.get(`${url}?${p.name}=${v}`).set(scheme ? { Authorization: `Bearer ${tokens[scheme]}` } : {});
            if (res.status !== 400 || !res.body.code) wrong.push(`${template}?${p.name}=${v}: ${res.status} ${JSON.stringify(res.body).slice(0, 120)}`);
          }
        }
      }
    }
    expect(wrong).toEqual([]);
  });

  it('answers an unknown charset or content encoding with a 415 problem', async () => {
    const auth = { Authorization: `Bearer ${ADMIN_TOKEN}` };
    const body = JSON.stringify({ name: 'Ada', email: 'ada@example.org' });
    const charset = await ctx.http.post('/admin/members').set(auth).set('Content-Type', 'application/json; charset=klingon').send(body);
    const latin = await ctx.http.post('/admin/members').set(auth).set('Content-Type', 'application/json; charset=iso-8859-1').send(body);
    const encoding = await ctx.http.post('/admin/members').set(auth).set('Content-Type', 'application/json').set('Content-Encoding', 'compress').send(body);
    const form = await ctx.http.post('/session').set('Content-Type', 'application/x-www-form-urlencoded; charset=klingon').send('link=yes');
    for (const [res, code] of [
      [charset, 'unsupported_charset'],
      [latin, 'unsupported_charset'],
      [encoding, 'unsupported_content_encoding'],
      [form, 'unsupported_media_type'], // the API reads JSON only
    ] as const) {
      expect({ status: res.status, type: res.headers['content-type'], code: res.body.code }).toEqual({
        status: 415,
        type: expect.stringMatching(/application\/problem\+json/),
        code,
      });
    }
    // A body that claims gzip but is not: a 400 problem, not a 500.
    const broken = await ctx.http.post('/admin/members').set(auth).set('Content-Type', 'application/json').set('Content-Encoding', 'gzip').send(body);
    expect({ status: broken.status, code: broken.body.code }).toEqual({ status: 400, code: expect.any(String) });
    // Nothing so far was written; a real gzip body still works (the one write this file intends).
    expect(await tableDigest()).toBe(snapshot);
    // (With fetch: supertest would serialize a Buffer body as JSON.)
    const zipped = await fetch(`http://127.0.0.1:${await port()}/admin/members`, {
      method: 'POST',
      headers: { ...auth, 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' },
      body: gzipSync(JSON.stringify({ name: 'Zip', email: `zip-${randomUUID()}@example.org` })),
    });
    expect(zipped.status).toBe(201);
    // Its audit row is written in a batch just after the answer: wait for it before the snapshot.
    const requestId = zipped.headers.get('x-request-id');
    await eventually(async () => {
      await ctx.sys.api.get(AuditTrail).flush();
      return (await ctx.db.query(`SELECT 1 FROM audit_events WHERE request_id = $1`, [requestId])).length === 1;
    });
    snapshot = await tableDigest();
  });

  it('refuses a NUL in a header before any code of ours runs', async () => {
    const p = await port();
    const reply = await new Promise<string>((resolve, reject) => {
      const sock = connect(p, '127.0.0.1');
      let data = '';
      sock.on('data', (c) => (data += c.toString()));
      sock.on('end', () => resolve(data));
      sock.on('close', () => resolve(data));
      sock.on('error', reject);
      sock.write(
        `POST /admin/ledger/deposits HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${ADMIN_TOKEN}\r\nIdempotency-Key: a\u0000b\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}`,
        'latin1',
      );
    });
    expect(reply).toMatch(/^HTTP\/1\.1 400/);
  });

  it('wrote nothing and started no workflow', async () => {
    expect(await tableDigest()).toBe(snapshot);
    const started = await ctx.sys.temporal.workflow.count(`TaskQueue = "${ctx.sys.config.temporal.taskQueue}"`);
    expect(started.count).toBe(0);
  });
});
