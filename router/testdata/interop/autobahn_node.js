#!/usr/bin/env node
// npm autobahn@22.11.1 against mamoc's router, run by router/interop_test.go.
//
// An edge session (ticket edge1) registers and calls a procedure, subscribes and publishes with
// exclude_me false and receives its own event, and asks wamp.registration.match for an unknown
// and its known procedure. While it stays joined, an anonymous session (role phone) tries a
// forbidden register and publish and asks the same two matches. The script prints one JSON line
// of results on stdout; the Go test asserts on them.
//
// Usage: node autobahn_node.js --url ws://…|rs://host:port --serializers cbor[,msgpack,json] --name NAME
// RawSocket in autobahn-js 22.11.1 speaks JSON only (lib/transport/rawsocket.js).
'use strict';

const autobahn = require('autobahn');

const REALM = 'mamoc_realm';
const TOPIC_RESULT = 'uk.ac.standrews.cs.mamoc.offloadingresult';
const UNKNOWN = 'uk.ac.standrews.cs.mamoc_demo.Unknown.Task';
const PAYLOAD = { s: 'hi', n: 42, f: 2.5, l: [1, 'two', null], b: true };

function parseArgs(argv) {
  const a = { timeout: 20 };
  for (let i = 2; i < argv.length; i += 2) {
    a[argv[i].replace(/^--/, '')] = argv[i + 1];
  }
  if (!a.url || !a.serializers || !a.name) {
    throw new Error('usage: autobahn_node.js --url URL --serializers LIST --name NAME');
  }
  return a;
}

const SERIALIZERS = {
  json: () => new autobahn.serializer.JSONSerializer(),
  msgpack: () => new autobahn.serializer.MsgpackSerializer(),
  cbor: () => new autobahn.serializer.CBORSerializer(),
};

function transport(args) {
  const sers = args.serializers.split(',');
  if (args.url.startsWith('rs://')) {
    const [host, port] = args.url.slice('rs://'.length).split(':');
    if (sers.length !== 1 || sers[0] !== 'json') {
      throw new Error('autobahn-js RawSocket supports json only');
    }
    return { type: 'rawsocket', host, port: Number(port) };
  }
  return { type: 'websocket', url: args.url, serializers: sers.map((s) => SERIALIZERS[s]()) };
}

// connect opens a connection and resolves with [connection, session, details] once joined.
function connect(args, auth) {
  const opts = {
    transports: [transport(args)],
    realm: REALM,
    max_retries: 0,
    retry_if_unreachable: false,
  };
  if (auth) {
    opts.authmethods = ['ticket'];
    opts.authid = auth.authid;
    opts.onchallenge = () => auth.ticket;
  }
  const conn = new autobahn.Connection(opts);
  return new Promise((resolve, reject) => {
    conn.onopen = (session, details) => resolve([conn, session, details]);
    conn.onclose = (reason, details) => {
      reject(new Error('connection closed: ' + reason + ' ' + JSON.stringify(details && details.message)));
      return true; // do not retry
    };
    conn.open();
  });
}

function sessionInfo(session, details) {
  const info = details.transport || {};
  return {
    authrole: details.authrole,
    serializer: session._socket.serializer.SERIALIZER_ID,
    subprotocol: info.type === 'websocket' ? info.protocol : null,
  };
}

function errorURI(e) {
  return e && e.error ? e.error : 'unexpected: ' + String(e);
}

// closeAndWait closes conn and resolves once the transport is gone, or after 3 s: every
// result is recorded by then, and a slow close handshake is not what the test checks.
function closeAndWait(conn) {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, 3000);
    conn.onclose = () => {
      clearTimeout(t);
      resolve();
      return true;
    };
    conn.close();
  });
}

async function run(args, res) {
  const proc = 'interop.' + args.name + '.echo';
  const topic = 'interop.' + args.name + '.topic';

  const [edgeConn, edge, edgeDetails] = await connect(args, { authid: 'edge1', ticket: 'edge-ticket' });
  try {
    res.edge = sessionInfo(edge, edgeDetails);
    await edge.register(proc, (a) => a[0]);
    res.register = 'ok';
    res.call = await edge.call(proc, [PAYLOAD]);

    let onEvent;
    const got = new Promise((resolve, reject) => {
      onEvent = (a) => resolve(a);
      setTimeout(() => reject(new Error('no event in 5 s')), 5000).unref();
    });
    await edge.subscribe(topic, onEvent);
    res.subscribe = 'ok';
    await edge.publish(topic, ['ev', 7], {}, { acknowledge: true, exclude_me: false });
    res.publish = 'ok';
    res.event = await got;

    res.match_unknown = await edge.call('wamp.registration.match', [UNKNOWN]);
    res.match_known = await edge.call('wamp.registration.match', [proc]);

    const [phoneConn, phone, phoneDetails] = await connect(args, null);
    try {
      res.phone = sessionInfo(phone, phoneDetails);
      try {
        await phone.register('interop.' + args.name + '.phone_proc', () => null);
        res.phone_register = 'ok';
      } catch (e) {
        res.phone_register = errorURI(e);
      }
      try {
        await phone.publish(TOPIC_RESULT, ['forged'], {}, { acknowledge: true });
        res.phone_publish_result = 'ok';
      } catch (e) {
        res.phone_publish_result = errorURI(e);
      }
      res.phone_match_unknown = await phone.call('wamp.registration.match', [UNKNOWN]);
      res.phone_match_known = await phone.call('wamp.registration.match', [proc]);
    } finally {
      await closeAndWait(phoneConn);
    }
  } finally {
    await closeAndWait(edgeConn);
  }
}

async function main() {
  const args = parseArgs(process.argv);
  const res = { client: 'autobahn-js ' + autobahn.version, errors: [] };
  const emit = () => process.stdout.write(JSON.stringify(res) + '\n');
  const watchdog = setTimeout(() => {
    res.errors.push('timeout after ' + args.timeout + 's');
    emit();
    process.exit(3);
  }, Number(args.timeout) * 1000);
  try {
    await run(args, res);
  } catch (e) {
    res.errors.push(String(e && e.stack ? e.stack : e));
  }
  clearTimeout(watchdog);
  emit();
  process.exit(res.errors.length ? 1 : 0);
}

main();
