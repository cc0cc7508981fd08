/**
 * A reference webhook receiver for a DPN node: copy it, run it, build on it.
 *
 *   npm install standardwebhooks
 *   WEBHOOK_SECRET=whsec_… PORT=8080 node receiver.js
 *
 * It does what every node's endpoint must do:
 *   1. read the raw body (the signature covers the exact bytes; never re-serialise JSON first);
 *   2. verify `webhook-id`, `webhook-timestamp` and `webhook-signature` (Standard Webhooks, with
 *      the `standardwebhooks` library: HMAC-SHA256, constant-time compare, ±5 minutes of clock
 *      skew). During a secret rotation DPN signs with both secrets: set WEBHOOK_PREVIOUS_SECRET
 *      too, or just switch WEBHOOK_SECRET to the new one;
 *   3. drop duplicates by `webhook-id` (DPN sends the same id on every retry of one event);
 *   4. answer fast: 2xx = received. 5xx, 408 and 429 mean "try again later" (honour Retry-After);
 *      another 4xx is final; 410 Gone tells DPN to stop sending until its coordinator pings again.
 *
 * Events: `node.ping` (answer 200: your endpoint works), `job.offered` (answer 202, then accept or
 * reject through the node API: set DPN_URL and NODE_TOKEN, and ANSWER_OFFERS=accept|reject),
 * `job.reminder`, `job.cancelled`, `offer.withdrawn`, `delivery.confirmed`, `delivery.rejected`,
 * `handoff.requested` (goods of a production flow are coming to this node: once they are here and
 * checked, answer through the node API; ANSWER_HANDOFFS=accept accepts the quantity sent at once).
 * The node API: POST {DPN_URL}/nodes/me/jobs/:jobId/accept | reject | counter | progress | complete,
 * POST {DPN_URL}/nodes/me/handoffs/:handoffId/answer.
 *
 * SIMULATE_WORK=<ms> (with ANSWER_OFFERS=accept) turns it into a simulated workshop for demos: after
 * accepting it reports 50% progress, then completes the job that many ms later, attaching a
 * document when the offer's `deliverable` is a design or a test report.
 */
'use strict';
const http = require('node:http');
const { Webhook } = require('standardwebhooks');

const MAX_BODY = 1024 * 1024;

/**
 * @param {{
 *   secrets: string[],
 *   onEvent?: (event: { id: string, type: string, timestamp: string, data: any }) => number | void,
 *   answerOffers?: { apiUrl: string, token: string, decide: (event: { data: any }) => 'accept' | 'reject' | null },
 *   simulateWork?: { afterMs: number, documentsBaseUrl?: string },
 *   answerHandoffs?: { apiUrl: string, token: string, decide: (event: { data: any }) => { accepted: true, quantityReceived?: number, note?: string } | { accepted: false, reason: string } | null },
 *   log?: (line: string) => void,
 * }} opts
 * @returns {http.Server}
 */
function createReceiver(opts) {
  const verifiers = opts.secrets.filter(Boolean).map((s) => new Webhook(s));
  const seen = new Set();
  const log = opts.log ?? ((line) => process.stdout.write(`${line}\n`));
  return http.createServer((req, res) => {
    const send = (status, body) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.method !== 'POST') return send(405, { error: 'POST only' });
    const chunks = [];
    let size = 0;
    req.on('data', (c) => {
      size += c.length;
      if (size > MAX_BODY) req.destroy();
      else chunks.push(c);
    });
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const headers = {
        'webhook-id': String(req.headers['webhook-id'] ?? ''),
        'webhook-timestamp': String(req.headers['webhook-timestamp'] ?? ''),
        'webhook-signature': String(req.headers['webhook-signature'] ?? ''),
      };
      let payload;
      let lastError;
      for (const v of verifiers) {
        try {
          payload = v.verify(raw, headers);
          break;
        } catch (err) {
          lastError = err;
        }
      }
      if (!payload) {
        log(`refused ${headers['webhook-id'] || '(no id)'}: ${lastError ? lastError.message : 'no secret configured'}`);
        return send(401, { error: 'signature verification failed' });
      }
      const id = headers['webhook-id'];
      if (seen.has(id)) return send(200, { received: true, duplicate: true });
      seen.add(id);
      const event = { id, type: payload.type, timestamp: payload.timestamp, data: payload.data };
      log(`received ${event.type} ${id}`);
      const status = opts.onEvent ? opts.onEvent(event) : undefined;
      send(typeof status === 'number' ? status : event.type === 'node.ping' ? 200 : 202, { received: true });
      // Answer an offer after acknowledging the webhook (never make DPN wait for a decision).
      if (event.type === 'job.offered' && opts.answerOffers) {
        const answer = opts.answerOffers.decide(event);
        if (answer) {
          void answerOffer(opts.answerOffers, event, answer, log).then((ok) => {
            if (ok && answer === 'accept' && opts.simulateWork) void simulateWork(opts.answerOffers, opts.simulateWork, event, log);
          });
        }
      }
      // Goods handed to this node: answer once they are checked (here: as the operator decides).
      if (event.type === 'handoff.requested' && opts.answerHandoffs) {
        const answer = opts.answerHandoffs.decide(event);
        if (answer) void answerHandoff(opts.answerHandoffs, event, answer, log);
      }
    });
  });
}

/** POSTs to the node API; true on a 2xx. */
async function call(api, jobId, action, body, log) {
  try {
    const res = await fetch(`${api.apiUrl}/nodes/me/jobs/${jobId}/${action}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${api.token}` },
      body: JSON.stringify(body),
    });
    log(`${action} ${jobId}: HTTP ${res.status}`);
    return res.ok;
  } catch (err) {
    log(`${action} ${jobId} failed: ${err.message}`);
    return false;
  }
}

/** Calls the node API to accept or reject an offer. */
function answerOffer(api, event, answer, log) {
  const body = answer === 'accept' ? { offerId: event.data.offerId } : { offerId: event.data.offerId, reason: 'declined by this node' };
  return call(api, event.data.jobId, answer, body, log);
}

/** Answers a hand-off (accepted with the quantity received, or rejected with a reason) through the node API. */
async function answerHandoff(api, event, answer, log) {
  const { handoffId, quantity } = event.data;
  const body = answer.accepted ? { accepted: true, quantityReceived: answer.quantityReceived ?? quantity, ...(answer.note ? { note: answer.note } : {}) } : answer;
  try {
    const res = await fetch(`${api.apiUrl}/nodes/me/handoffs/${handoffId}/answer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${api.token}` },
      body: JSON.stringify(body),
    });
    log(`handoff ${handoffId}: HTTP ${res.status}`);
    return res.ok;
  } catch (err) {
    log(`handoff ${handoffId} failed: ${err.message}`);
    return false;
  }
}

/** A simulated workshop: half-way progress, then the whole quantity made, with a document if one is due. */
async function simulateWork(api, sim, event, log) {
  const { jobId, quantity, deliverable } = event.data;
  const wait = (ms) => new Promise((r) => setTimeout(r, ms));
  await wait(sim.afterMs / 2);
  await call(api, jobId, 'progress', { percent: 50, note: 'half-way (simulated)' }, log);
  await wait(sim.afterMs / 2);
  const needsDocs = deliverable && (deliverable.kind === 'design' || deliverable.kind === 'test-report');
  const base = (sim.documentsBaseUrl ?? 'https://docs.example.org/dpn').replace(/\/$/, '');
  const documents = needsDocs ? [{ title: `${deliverable.kind === 'design' ? 'Design' : 'Test report'} for job ${jobId.slice(0, 8)}`, url: `${base}/${jobId}.pdf` }] : undefined;
  await call(api, jobId, 'complete', { made: quantity, scrapped: 0, ...(documents ? { documents } : {}) }, log);
}

module.exports = { createReceiver };

if (require.main === module) {
  const secrets = [process.env.WEBHOOK_SECRET, process.env.WEBHOOK_PREVIOUS_SECRET].filter(Boolean);
  if (secrets.length === 0) {
    process.stderr.write('set WEBHOOK_SECRET to the node secret DPN showed when the node was registered (whsec_…)\n');
    process.exit(1);
  }
  const port = Number(process.env.PORT ?? 8080);
  const answer = process.env.ANSWER_OFFERS;
  const answerOffers =
    process.env.DPN_URL && process.env.NODE_TOKEN && (answer === 'accept' || answer === 'reject')
      ? { apiUrl: process.env.DPN_URL.replace(/\/$/, ''), token: process.env.NODE_TOKEN, decide: () => answer }
      : undefined;
  const simulateWork = answerOffers && process.env.SIMULATE_WORK ? { afterMs: Number(process.env.SIMULATE_WORK) } : undefined;
  const answerHandoffs =
    process.env.DPN_URL && process.env.NODE_TOKEN && process.env.ANSWER_HANDOFFS === 'accept'
      ? { apiUrl: process.env.DPN_URL.replace(/\/$/, ''), token: process.env.NODE_TOKEN, decide: () => ({ accepted: true }) }
      : undefined;
  createReceiver({ secrets, answerOffers, simulateWork, answerHandoffs }).listen(port, () => process.stdout.write(`DPN node receiver on http://localhost:${port}/\n`));
}
