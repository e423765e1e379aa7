// The real-time API end to end with the clients the frontends use: pusher-js (and laravel-echo over it) from npm,
// against the local server (scripts/realtime-test.sh starts it with its demo data). A customer connects, is
// authorised into their own private channel by POST /api/broadcasting/auth, places an order and receives its
// OrderStatusChanged through Echo's `.listen('OrderStatusChanged')`; their request for another customer's
// channel is refused (403, pusher:subscription_error), as is an admins' presence channel.
//
//   node pusher-e2e.mjs --base-url http://127.0.0.1:3919 --key 1000proxy-local --token <customer token>
//        --customer <id> --server <server id> --plan <plan id>

import Pusher from 'pusher-js';
import Echo from 'laravel-echo';

const args = Object.fromEntries(
  process.argv.slice(2).reduce((pairs, arg, i, all) => (arg.startsWith('--') ? [...pairs, [arg.slice(2), all[i + 1]]] : pairs), []),
);
const base = new URL(args['base-url']);
const WAIT_MS = 20_000;
let passed = 0;
let failed = 0;

function check(name, ok, detail = '') {
  if (ok) {
    passed += 1;
    console.log(`ok - ${name}`);
  } else {
    failed += 1;
    console.log(`not ok - ${name} ${detail}`);
  }
}

function within(ms, what, promise) {
  return Promise.race([
    promise,
    new Promise((_, reject) => setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms)),
  ]);
}

const pusher = new Pusher(args.key, {
  cluster: 'local',
  wsHost: base.hostname,
  wsPort: Number(base.port),
  forceTLS: false,
  enabledTransports: ['ws'],
  disableStats: true,
  channelAuthorization: {
    endpoint: new URL('/api/broadcasting/auth', base).href,
    transport: 'ajax',
    headers: { Authorization: `Bearer ${args.token}` },
  },
});
const echo = new Echo({ broadcaster: 'pusher', client: pusher });

try {
  await within(WAIT_MS, 'the connection', new Promise((resolve, reject) => {
    pusher.connection.bind('connected', resolve);
    pusher.connection.bind('failed', () => reject(new Error('connection failed')));
  }));
  check('pusher-js connects and is given a socket id', /^\d+\.\d+$/.test(pusher.connection.socket_id), pusher.connection.socket_id);

  // Echo's private channel: `private-customer.<id>`, authorised by the endpoint.
  const received = new Promise((resolve) => {
    echo.private(`customer.${args.customer}`).listen('OrderStatusChanged', resolve);
  });
  await within(WAIT_MS, 'the subscription', new Promise((resolve, reject) => {
    const channel = pusher.channel(`private-customer.${args.customer}`);
    channel.bind('pusher:subscription_succeeded', resolve);
    channel.bind('pusher:subscription_error', (error) => reject(new Error(`refused: ${JSON.stringify(error)}`)));
  }));
  check("the customer's own private channel is joined through the auth endpoint", true);

  for (const name of ['private-customer.someone-else', 'presence-admins']) {
    const refusal = await within(WAIT_MS, `the refusal of ${name}`, new Promise((resolve) => {
      const channel = pusher.subscribe(name);
      channel.bind('pusher:subscription_succeeded', () => resolve({ joined: true }));
      channel.bind('pusher:subscription_error', (error) => resolve(error));
    }));
    check(`${name} is refused (403)`, refusal.status === 403, JSON.stringify(refusal));
  }

  const response = await fetch(new URL('/api/orders', base), {
    method: 'POST',
    headers: {
      Authorization: `Bearer ${args.token}`,
      'Content-Type': 'application/json',
      'Idempotency-Key': `pusher-e2e-${Date.now()}`,
    },
    body: JSON.stringify({ server_id: args.server, plan_id: args.plan, quantity: 1, payment_method: 'wallet' }),
  });
  const placed = await response.json();
  check('the order is placed', response.status === 201, JSON.stringify(placed));
  const orderId = placed.data?.order?.id ?? placed.data?.id;

  const event = await within(WAIT_MS, 'OrderStatusChanged', received);
  check(
    "OrderStatusChanged arrives on the customer's channel for that order, with its id",
    event.order_id === orderId && event.customer_id === args.customer && typeof event.id === 'string',
    JSON.stringify(event),
  );
} catch (error) {
  check('the end-to-end run', false, String(error));
} finally {
  pusher.disconnect();
}

console.log(`realtime: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
