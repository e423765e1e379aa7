// The real-time API end to end with the clients the frontends use: pusher-js (and laravel-echo over it) from npm,
// against the local server (scripts/realtime-test.sh starts it with its demo data). A customer connects, is
// authorised into their own private channel by POST /api/broadcasting/auth, places an order and receives its
// OrderStatusChanged through Echo's `.listen('OrderStatusChanged')`; their request for another customer's
// channel is refused (403, pusher:subscription_error), as is an admins' presence channel. Then live chat: the
// customer opens a conversation (POST /api/chats) and both they and an admin (a second client) join its
// `private-chat.<id>` through Echo; the customer's message (POST /api/chats/{id}/messages) reaches the admin as
// ChatMessageSent, the admins' badge as ChatUpdated on `private-admin`, and the admin's whisper (typing) reaches
// the customer.
//
//   node pusher-e2e.mjs --base-url http://127.0.0.1:3919 --key 1000proxy-local --token <customer token>
//        --admin-token <admin token> --customer <id> --server <server id> --plan <plan id>

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

// A pusher-js client signed in with `token`, as a frontend configures one for this API.
function client(token) {
  return new Pusher(args.key, {
    cluster: 'local',
    wsHost: base.hostname,
    wsPort: Number(base.port),
    forceTLS: false,
    enabledTransports: ['ws'],
    disableStats: true,
    channelAuthorization: {
      endpoint: new URL('/api/broadcasting/auth', base).href,
      transport: 'ajax',
      headers: { Authorization: `Bearer ${token}` },
    },
  });
}

function joined(pusherClient, name) {
  return within(WAIT_MS, `the subscription to ${name}`, new Promise((resolve, reject) => {
    const channel = pusherClient.channel(name);
    if (channel.subscribed) return resolve();
    channel.bind('pusher:subscription_succeeded', resolve);
    channel.bind('pusher:subscription_error', (error) => reject(new Error(`${name} refused: ${JSON.stringify(error)}`)));
  }));
}

async function api(method, path, token, body) {
  const response = await fetch(new URL(path, base), {
    method,
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

const pusher = client(args.token);
const echo = new Echo({ broadcaster: 'pusher', client: pusher });
const adminPusher = client(args['admin-token']);
const adminEcho = new Echo({ broadcaster: 'pusher', client: adminPusher });

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

  // Live chat, both sides through Echo.
  const opened = await api('POST', '/api/chats', args.token);
  check('the customer opens a conversation', opened.status === 200, JSON.stringify(opened.body));
  const chatId = opened.body.data.conversation.id;
  const customerChat = echo.private(`chat.${chatId}`);
  const whispered = new Promise((resolve) => customerChat.listenForWhisper('typing', resolve));
  await joined(pusher, `private-chat.${chatId}`);
  const adminChat = adminEcho.private(`chat.${chatId}`);
  const heard = new Promise((resolve) => adminChat.listen('ChatMessageSent', resolve));
  const badge = new Promise((resolve) => adminEcho.private('admin').listen('ChatUpdated', resolve));
  await joined(adminPusher, `private-chat.${chatId}`);
  await joined(adminPusher, 'private-admin');
  check("the customer and an admin join the conversation's channel", true);

  const sent = await api('POST', `/api/chats/${chatId}/messages`, args.token, { body: 'Is anyone there?' });
  check('the customer sends a message', sent.status === 201, JSON.stringify(sent.body));
  const message = await within(WAIT_MS, 'ChatMessageSent', heard);
  check(
    'the admin receives it as ChatMessageSent, with its id',
    message.id === sent.body.data.message.id && message.body === 'Is anyone there?' && message.side === 'customer',
    JSON.stringify(message),
  );
  const updated = await within(WAIT_MS, 'ChatUpdated', badge);
  // (At least 1: the demo customer may have had this conversation open with messages waiting already.)
  check("the admins' channel gets the conversation's unread count", updated.conversation_id === chatId && updated.unread >= 1,
    JSON.stringify(updated));
  adminChat.whisper('typing', { typing: true });
  const typing = await within(WAIT_MS, 'the whisper', whispered);
  check("the admin's whisper (typing) reaches the customer", typing.typing === true, JSON.stringify(typing));
} catch (error) {
  check('the end-to-end run', false, String(error));
} finally {
  pusher.disconnect();
  adminPusher.disconnect();
}

console.log(`realtime: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
