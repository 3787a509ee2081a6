// Record the Node.js cases of the X-Ray corpus (tests/data/xray/node/*.json) from the real
// aws-xray-sdk-core and AWS SDK for JavaScript v3.
//
// Every document in a case file is what the SDK really sent over UDP, caught by a stand-in daemon
// on a free 127.0.0.1 port (AWSXRay.setDaemonAddress). The dependencies are local HTTP servers
// that answer a scripted sequence (503, 503, 200 …), hang past the client's timeout or refuse the
// connection, and a fake AWS endpoint answering DynamoDB and SQS over the JSON protocol. Each
// incoming request to "web" is a real HTTP request to a local server whose handler opens the
// segment with the SDK's own middleware helper (AWSXRay.middleware.traceRequestResponseCycle and
// the CLS namespace, as aws-xray-sdk-express does). Each case's `calls` come from what this script
// made happen (the client's own log of its attempts, the fake endpoint's log of its answers),
// never from the documents; each case also states the outline of the documents its notes
// describe, and the recording stops if the SDK records another one.
//
// Re-record: cd tests/data/xray/node && npm ci && node record.mjs [OUTDIR]   (default: this folder)

import { createHash, randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import AWSXRay from 'aws-xray-sdk-core';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { SQSClient, SendMessageCommand } from '@aws-sdk/client-sqs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const SCRIPT = 'tests/data/xray/node/record.mjs';
const SEGMENT_NAME = 'web';
const REGION = 'us-east-1';
const ACCOUNT = '123456789012';
const TABLE = 'orders';
const QUEUE = 'orders';
const CLIENT_TIMEOUT_MS = 300;
const HANG_MS = 1200;
const QUIET_MS = 250;
const PROTOCOL_HEADER = '{"format":"json","version":1}';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function version(pkg) {
  const file = path.join(HERE, 'node_modules', pkg, 'package.json');
  return JSON.parse(fs.readFileSync(file, 'utf8')).version;
}

function origin(...packages) {
  const libs = packages.map((name) => `${name} ${version(name)}`).join(', ');
  return `recorded with aws-xray-sdk-core ${version('aws-xray-sdk-core')} for Node.js (${process.version}), ${libs}, by ${SCRIPT}`;
}

// ------------------------------------------------------------------------------------------
// The stand-in daemon

class DaemonListener {
  async start() {
    this.documents = [];
    this.lastArrival = Date.now();
    this.socket = dgram.createSocket('udp4');
    this.socket.on('message', (message) => {
      const text = message.toString('utf8');
      const newline = text.indexOf('\n');
      if (text.slice(0, newline) !== PROTOCOL_HEADER) {
        throw new Error(`unexpected daemon protocol header ${text.slice(0, newline)}`);
      }
      this.documents.push(JSON.parse(text.slice(newline + 1)));
      this.lastArrival = Date.now();
    });
    await new Promise((resolve) => this.socket.bind(0, '127.0.0.1', resolve));
    this.address = `127.0.0.1:${this.socket.address().port}`;
  }

  // Node's emitter sends asynchronously: wait until the socket has been quiet for a while.
  async take() {
    await sleep(QUIET_MS);
    while (Date.now() - this.lastArrival < QUIET_MS) {
      await sleep(50);
    }
    const documents = this.documents;
    this.documents = [];
    return documents;
  }

  close() {
    this.socket.close();
  }
}

// ------------------------------------------------------------------------------------------
// Scripted dependencies

// answers: a status, 'hang' (hold the answer past the client's timeout) or 'close' (drop the
// connection without a word). With listening false the port is reserved but closed (connections
// are refused) until listen(): the same host:port first refuses, then answers.
class ScriptedServer {
  constructor(answers) {
    this.answers = [...answers];
    this.given = [];
    this.timers = new Set();
    this.server = http.createServer((req, res) => this.respond(req, res));
    this.server.keepAliveTimeout = 2000;
  }

  async start({ listening = true } = {}) {
    await new Promise((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = this.server.address().port;
    this.hostport = `127.0.0.1:${this.port}`;
    if (!listening) {
      await new Promise((resolve) => this.server.close(resolve));
    }
    return this;
  }

  async listen() {
    if (!this.server.listening) {
      await new Promise((resolve) => this.server.listen(this.port, '127.0.0.1', resolve));
    }
  }

  url(p) {
    return `http://${this.hostport}${p}`;
  }

  respond(req, res) {
    req.resume();
    const answer = this.answers.length ? this.answers.shift() : 500;
    this.given.push(answer);
    if (answer === 'close') {
      req.socket.destroy();
      return;
    }
    const send = (status) => {
      const body = JSON.stringify({ status });
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    };
    if (answer === 'hang') {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        if (!res.destroyed) send(200);
      }, HANG_MS);
      this.timers.add(timer);
      return;
    }
    send(answer);
  }

  async close() {
    for (const timer of this.timers) clearTimeout(timer);
    this.server.closeAllConnections();
    if (this.server.listening) {
      await new Promise((resolve) => this.server.close(resolve));
    }
  }
}

const AWS_ERRORS = {
  internal: [500, 'com.amazonaws.dynamodb.v20120810#InternalServerError', 'Internal server error'],
  throttling: [400, 'com.amazonaws.dynamodb.v20120810#ThrottlingException', 'Rate of requests exceeds the allowed throughput.'],
  throughput: [
    400,
    'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException',
    'The level of configured provisioned throughput for the table was exceeded. ' +
      'Consider increasing your provisioning level with the UpdateTable API.',
  ],
};

const awsLabel = (answer) => (answer === 'ok' ? 200 : answer === 'internal' ? 500 : 'throttled');

// DynamoDB and SQS over the JSON protocol (X-Amz-Target). Every answer is logged with the
// amz-sdk-request header the SDK sends (attempt=N; max=M): the ground truth of its own retries.
class FakeAws {
  constructor(script) {
    this.script = Object.fromEntries(Object.entries(script).map(([op, answers]) => [op, [...answers]]));
    this.given = [];
    this.server = http.createServer((req, res) => {
      const chunks = [];
      req.on('data', (chunk) => chunks.push(chunk));
      req.on('end', () => this.respond(req, res, Buffer.concat(chunks)));
    });
  }

  async start() {
    await new Promise((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.endpoint = `http://127.0.0.1:${this.server.address().port}`;
    return this;
  }

  labels(operation) {
    return this.given.filter((g) => g.operation === operation).map((g) => awsLabel(g.answer));
  }

  respond(req, res, raw) {
    const operation = (req.headers['x-amz-target'] || '').split('.').pop();
    const queue = this.script[operation];
    const answer = queue && queue.length ? queue.shift() : 'internal';
    this.given.push({ operation, answer, attempt: req.headers['amz-sdk-request'] || '' });
    let status = 200;
    let body;
    if (answer === 'ok') {
      body = this.okBody(operation, raw);
    } else {
      const [errorStatus, type, message] = AWS_ERRORS[answer];
      status = errorStatus;
      body = { __type: type, message };
    }
    const payload = JSON.stringify(body);
    res.writeHead(status, {
      'content-type': 'application/x-amz-json-1.0',
      'content-length': Buffer.byteLength(payload),
      'x-amzn-requestid': randomBytes(26).toString('hex').toUpperCase().slice(0, 52),
    });
    res.end(payload);
  }

  okBody(operation, raw) {
    if (operation === 'GetItem') {
      return { Item: { id: { S: '42' }, name: { S: 'espresso' } } };
    }
    if (operation === 'SendMessage') {
      const message = JSON.parse(raw.toString('utf8')).MessageBody;
      return {
        MD5OfMessageBody: createHash('md5').update(message).digest('hex'),
        MessageId: '5fea7756-0ea4-451a-a703-a558b933e274',
      };
    }
    return {};
  }

  async close() {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

// ------------------------------------------------------------------------------------------
// web: each incoming request gets a segment from the SDK's middleware helper

class Web {
  async start() {
    this.handlers = [];
    this.server = http.createServer((req, res) => {
      // What aws-xray-sdk-express's openSegment does, with the core's own helpers.
      const segment = AWSXRay.middleware.traceRequestResponseCycle(req, res);
      const ns = AWSXRay.getNamespace();
      ns.bindEmitter(req);
      ns.bindEmitter(res);
      ns.run(() => {
        AWSXRay.setSegment(segment);
        const handler = this.handlers.at(-1);
        handler().then(
          () => {
            res.writeHead(200, { 'content-type': 'application/json' });
            res.end('{"ok":true}');
          },
          (error) => {
            res.writeHead(500);
            res.end(String(error));
          },
        );
      });
    });
    await new Promise((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = this.server.address().port;
    return this;
  }

  // One incoming request; the driver uses fetch (undici), which the SDK does not patch.
  async request(route, handler) {
    this.handlers.push(handler);
    const response = await fetch(`http://127.0.0.1:${this.port}${route}`);
    await response.text();
    if (response.status !== 200) throw new Error(`web answered ${response.status}`);
  }

  async close() {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

// ------------------------------------------------------------------------------------------
// Cases

const outcome = (attempts) => {
  const last = attempts.at(-1);
  return typeof last === 'number' && last >= 200 && last < 500 && last !== 429 ? 'ok' : 'failed';
};

// The Node SDK writes http.request.url from the request's host without its port
// (http://127.0.0.1/items) and names the subsegment after the hostname, so the documents name the
// dependency as 127.0.0.1 only, though the script sent each request to its server's own port.
function httpCall(p, attempts) {
  return {
    caller: SEGMENT_NAME,
    instance: null,
    dependency: { host: '127.0.0.1' },
    method: 'GET',
    path: p,
    attempts,
    outcome: outcome(attempts),
    retries_visible: true,
  };
}

// aws.retries holds the AWS SDK v3's $metadata.attempts: the count of attempts is visible, their times are not.
function awsCall(service, resource, attempts) {
  return {
    caller: SEGMENT_NAME,
    instance: null,
    dependency: { aws: service, resource },
    attempts,
    outcome: outcome(attempts),
    retries_visible: true,
  };
}

function expectAttempts(what, seen, planned) {
  if (JSON.stringify(seen) !== JSON.stringify(planned)) {
    throw new Error(`${what}: planned attempts ${JSON.stringify(planned)}, but saw ${JSON.stringify(seen)}`);
  }
  return seen;
}

// A document's shape without ids or times, as record_python.py writes it.
function outline(entity, document = true) {
  const parts = [];
  if (document && entity.type === 'subsegment') parts.push('independent');
  if (entity.namespace) parts.push(entity.namespace);
  const aws = entity.aws || {};
  if (aws.operation !== undefined) parts.push(String(aws.operation));
  if (aws.retries !== undefined) parts.push(`retries=${aws.retries}`);
  if (aws.ecs || aws.ec2) parts.push('instance');
  const status = entity.http && entity.http.response && entity.http.response.status;
  if (status !== undefined) parts.push(String(status));
  for (const flag of ['error', 'throttle', 'fault', 'in_progress']) {
    if (entity[flag]) parts.push(flag);
  }
  if (entity.cause && typeof entity.cause === 'object') {
    for (const exc of entity.cause.exceptions || []) parts.push(`!${exc.type}`);
  } else if (typeof entity.cause === 'string') {
    parts.push('!cause-ref');
  }
  for (const [key, value] of Object.entries(entity.annotations || {})) parts.push(`${key}=${JSON.stringify(value)}`);
  const label = entity.name + (parts.length ? `[${parts.join(' ')}]` : '');
  const children = (entity.subsegments || []).map((child) => outline(child, false));
  return label + (children.length ? ` {${children.join(', ')}}` : '');
}

class Session {
  constructor(outDir, listener) {
    this.outDir = outDir;
    this.listener = listener;
    this.written = [];
  }

  async keep({ name, case: text, origin: from, calls, notes, expect }) {
    const documents = await this.listener.take();
    const shapes = documents.map((d) => outline(d));
    if (JSON.stringify(shapes) !== JSON.stringify(expect)) {
      throw new Error(
        `${name}: the SDK recorded\n  ${shapes.join('\n  ')}\nbut the case (and its notes) expect\n  ${expect.join('\n  ')}`,
      );
    }
    const file = path.join(this.outDir, `${name}.json`);
    const body = { origin: from, case: text, documents, calls, notes };
    fs.writeFileSync(file, JSON.stringify(body, null, 2) + '\n');
    this.written.push(file);
  }
}

// The team's hand-written retry loop: up to 3 attempts, 50 ms then 100 ms apart.
async function withRetries(log, attempt, { onRetry } = {}) {
  for (let n = 1; ; n++) {
    try {
      const status = await attempt();
      log.push(status === 429 ? 'throttled' : status);
      if (status < 500 && status !== 429) return;
    } catch (error) {
      log.push(error.code === 'ECONNREFUSED' || error.code === 'ECONNRESET' ? 'refused' : 'timeout');
    }
    if (n === 3) return;
    if (onRetry) await onRetry();
    await sleep(50 * 2 ** (n - 1));
  }
}

// One GET with the patched http module; `readBody: false` leaves a failed answer's body unread.
function get(url, { readBody = true } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.get(url, (res) => {
      if (readBody || res.statusCode < 500) {
        res.resume();
        res.on('end', () => resolve(res.statusCode));
      } else {
        resolve(res.statusCode);
      }
    });
    req.setTimeout(CLIENT_TIMEOUT_MS, () => {
      const error = new Error(`no answer within ${CLIENT_TIMEOUT_MS} ms`);
      error.code = 'ETIMEDOUT';
      req.destroy(error);
    });
    req.on('error', reject);
  });
}

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'dummy-secret' }; // in-process only

async function awsCases(session, web) {
  const o = origin('@aws-sdk/client-dynamodb', '@aws-sdk/client-sqs');

  async function dynamodb(name, answers, planned, text, notes, expect, clientConfig = {}) {
    const endpoint = await new FakeAws({ GetItem: answers }).start();
    const ddb = AWSXRay.captureAWSv3Client(
      new DynamoDBClient({ region: REGION, endpoint: endpoint.endpoint, credentials, ...clientConfig }),
    );
    await web.request('/orders/42', async () => {
      try {
        await ddb.send(new GetItemCommand({ TableName: TABLE, Key: { id: { S: '42' } } }));
      } catch (error) {
        if (!error.$metadata) throw error;
      }
    });
    ddb.destroy();
    await endpoint.close();
    const attempts = expectAttempts(name, endpoint.labels('GetItem'), planned);
    await session.keep({ name, case: text, origin: o, calls: [awsCall('DynamoDB', TABLE, attempts)], notes, expect });
  }

  await dynamodb(
    'awsv3-dynamodb-getitem-200',
    ['ok'],
    [200],
    'web calls DynamoDB GetItem (table orders) with a DynamoDBClient wrapped by captureAWSv3Client; the endpoint answers at once.',
    'aws.retries is 1 for a call that made a single attempt and no retry: the SDK copies $metadata.attempts ' +
      '(attempts made) into aws.retries. The subsegment is named DynamoDB (the client name), operation GetItem, ' +
      'aws.table_name orders, namespace aws.',
    ['web[200] {DynamoDB[aws GetItem retries=1 200]}'],
  );
  await dynamodb(
    'awsv3-dynamodb-getitem-500-500-200',
    ['internal', 'internal', 'ok'],
    [500, 500, 200],
    'web calls DynamoDB GetItem with a DynamoDBClient wrapped by captureAWSv3Client (default retry strategy, ' +
      'standard, 3 attempts); the endpoint answers HTTP 500 InternalServerError twice, then the item.',
    'One aws subsegment for the whole call (the X-Ray middleware sits in the build step, outside the retry ' +
      'middleware), status 200, no flag, aws.retries 3: the number of attempts, not of retries (2). Subtract ' +
      'one to count retries; their times are not recorded.',
    ['web[200] {DynamoDB[aws GetItem retries=3 200]}'],
  );
  await dynamodb(
    'awsv3-dynamodb-getitem-throttled-no-retries',
    ['throughput'],
    ['throttled'],
    'web calls DynamoDB GetItem with captureAWSv3Client and retries off (maxAttempts: 1); the endpoint answers ' +
      'HTTP 400 ProvisionedThroughputExceededException.',
    'Flagged throttle (the SDK asks @smithy/service-error-classification whether the error is a throttling ' +
      'error), and also error from the 400 and fault (close(err) adds fault for any error). aws.retries is 1. ' +
      'The cause is remote with the error name as type.',
    ['web[200] {DynamoDB[aws GetItem retries=1 400 error throttle fault !ProvisionedThroughputExceededException]}'],
    { maxAttempts: 1 },
  );
  await dynamodb(
    'awsv3-dynamodb-getitem-throttled-then-200',
    ['throttling', 'throughput', 'ok'],
    ['throttled', 'throttled', 200],
    'web calls DynamoDB GetItem with captureAWSv3Client (default retries); the endpoint answers HTTP 400 ' +
      'ThrottlingException, then 400 ProvisionedThroughputExceededException, then the item.',
    'One aws subsegment, status 200, no flag, aws.retries 3 (attempts). Nothing says the failed attempts were ' +
      'throttled.',
    ['web[200] {DynamoDB[aws GetItem retries=3 200]}'],
  );

  const endpoint = await new FakeAws({ SendMessage: ['ok'] }).start();
  const sqs = AWSXRay.captureAWSv3Client(new SQSClient({ region: REGION, endpoint: endpoint.endpoint, credentials }));
  const queueUrl = `${endpoint.endpoint}/${ACCOUNT}/${QUEUE}`;
  await web.request('/orders', async () => {
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: '{"order": 42}' }));
  });
  sqs.destroy();
  await endpoint.close();
  await session.keep({
    name: 'awsv3-sqs-sendmessage',
    case: 'web sends one message with an SQSClient wrapped by captureAWSv3Client (JSON protocol, X-Amz-Target ' +
      'AmazonSQS.SendMessage), answered at once.',
    origin: o,
    calls: [awsCall('SQS', QUEUE, expectAttempts('sqs', endpoint.labels('SendMessage'), [200]))],
    notes: 'Named SQS, operation SendMessage, aws.queue_url the whole queue URL (the queue name is its last path ' +
      'part), aws.message_id; aws.retries 1 for the single attempt.',
    expect: ['web[200] {SQS[aws SendMessage retries=1 200]}'],
  });
}

async function httpCases(session, web) {
  const o = origin();

  async function retried(name, answers, planned, text, notes, expect, { listening = true, readBody = true } = {}) {
    const server = await new ScriptedServer(answers).start({ listening });
    const log = [];
    await web.request('/catalog', () =>
      withRetries(log, () => get(server.url('/items'), { readBody }), { onRetry: () => server.listen() }),
    );
    await server.close();
    const attempts = expectAttempts(name, log, planned);
    await session.keep({ name, case: text, origin: o, calls: [httpCall('/items', attempts)], notes, expect });
  }

  await retried(
    'http-503-503-200',
    [503, 503, 200],
    [503, 503, 200],
    'web (segment from the SDK middleware helper) calls GET /items with http.get, patched by captureHTTPsGlobal(http), ' +
      'in a hand-written retry loop (50 ms, 100 ms): 503, 503, 200.',
    'One remote subsegment per attempt, siblings under the segment, named 127.0.0.1 (the hostname, no port). ' +
      'http.request.url is built from the request\'s host without the port too (http://127.0.0.1/items), so the ' +
      'documents never show the port. 503 attempts carry fault.',
    ['web[200] {127.0.0.1[remote 503 fault], 127.0.0.1[remote 503 fault], 127.0.0.1[remote 200]}'],
  );
  await retried(
    'http-refused-then-200',
    [200],
    ['refused', 200],
    'web calls GET /items with the patched http.get in a hand-written retry loop: the first connection is refused ' +
      '(ECONNREFUSED), the retry to the same host:port gets 200.',
    'The refused attempt has http.request (url and method) but no response, fault, and cause.exceptions with a ' +
      'plain Error (type Error, message connect ECONNREFUSED 127.0.0.1:<port>): only the message names the port ' +
      'and says refused.',
    ['web[200] {127.0.0.1[remote fault !Error], 127.0.0.1[remote 200]}'],
    { listening: false },
  );
  await retried(
    'http-timeout-then-200',
    ['hang', 200],
    ['timeout', 200],
    `web calls GET /items with the patched http.get and a ${CLIENT_TIMEOUT_MS} ms socket timeout (req.setTimeout, ` +
      `then req.destroy(error)) in a retry loop; the server holds its first answer for ${HANG_MS} ms, the retry gets 200.`,
    'The timed-out attempt is closed by the SDK\'s error listener: no response, fault, cause with the error the ' +
      'application destroyed the request with (type Error). Nothing says timeout but the message.',
    ['web[200] {127.0.0.1[remote fault !Error], 127.0.0.1[remote 200]}'],
  );
  await retried(
    'http-503-body-unread-then-200',
    [503, 200],
    [503, 200],
    'web calls GET /items with the patched http.get in a retry loop that, on a 503, retries without reading (or ' +
      'discarding) the 503 answer\'s body: 503, then 200.',
    'No document at all: the SDK closes an http subsegment on the response\'s end event, which never comes for a ' +
      'body nobody reads, so the 503 attempt stays open, the segment\'s open-subsegment counter never reaches zero ' +
      'and the segment is never sent, though the request was answered. The call happened (see calls) and the ' +
      'trace is missing entirely.',
    [],
    { readBody: false },
  );

  // Two calls to the same URL, one after the other, no retry.
  const server = await new ScriptedServer([200, 200]).start();
  const statuses = [];
  await web.request('/catalog', async () => {
    statuses.push(await get(server.url('/items')));
    statuses.push(await get(server.url('/items')));
  });
  await server.close();
  await session.keep({
    name: 'http-two-calls-same-url',
    case: 'web calls GET /items twice in one request with the patched http.get, one call after the other, both 200.',
    origin: o,
    calls: [
      httpCall('/items', expectAttempts('first', [statuses[0]], [200])),
      httpCall('/items', expectAttempts('second', [statuses[1]], [200])),
    ],
    notes: 'Two sibling subsegments: two calls, not a retry.',
    expect: ['web[200] {127.0.0.1[remote 200], 127.0.0.1[remote 200]}'],
  });
}

async function awsWithHttpGlobalCase(session, web) {
  const endpoint = await new FakeAws({ GetItem: ['internal', 'ok'] }).start();
  const ddb = AWSXRay.captureAWSv3Client(new DynamoDBClient({ region: REGION, endpoint: endpoint.endpoint, credentials }));
  await web.request('/orders/42', async () => {
    await ddb.send(new GetItemCommand({ TableName: TABLE, Key: { id: { S: '42' } } }));
  });
  ddb.destroy();
  await endpoint.close();
  await session.keep({
    name: 'awsv3-dynamodb-getitem-500-200-with-http-global',
    case: 'With captureHTTPsGlobal(http) also active, web calls DynamoDB GetItem with a DynamoDBClient wrapped by ' +
      'captureAWSv3Client; the endpoint answers HTTP 500 InternalServerError, then the item.',
    origin: origin('@aws-sdk/client-dynamodb'),
    calls: [awsCall('DynamoDB', TABLE, expectAttempts('ddb+http', endpoint.labels('GetItem'), [500, 200]))],
    notes: 'Still one aws subsegment and no http child per attempt: the X-Ray middleware puts an X-Amzn-Trace-Id ' +
      'header on the request, and the http patch skips any request that already carries one. aws.retries 2 ' +
      '(attempts).',
    expect: ['web[200] {DynamoDB[aws GetItem retries=2 200]}'],
  });
}

async function main() {
  const outDir = path.resolve(process.argv[2] || HERE);
  fs.mkdirSync(outDir, { recursive: true });
  const listener = new DaemonListener();
  await listener.start();
  // Not AWS_XRAY_DAEMON_ADDRESS: the SDK reads it when loaded, and then ignores setDaemonAddress.
  delete process.env.AWS_XRAY_DAEMON_ADDRESS;
  AWSXRay.setDaemonAddress(listener.address);
  AWSXRay.setLogger({ error() {}, warn() {}, info() {}, debug() {} });
  AWSXRay.setContextMissingStrategy('LOG_ERROR');
  AWSXRay.middleware.disableCentralizedSampling();
  AWSXRay.middleware.setSamplingRules({ version: 2, rules: [], default: { fixed_target: 1, rate: 1.0 } });
  AWSXRay.middleware.setDefaultName(SEGMENT_NAME);
  const web = await new Web().start();
  const session = new Session(outDir, listener);
  try {
    await awsCases(session, web); // before captureHTTPsGlobal, which is process-wide
    AWSXRay.captureHTTPsGlobal(http);
    await httpCases(session, web);
    await awsWithHttpGlobalCase(session, web);
  } finally {
    await web.close();
    listener.close();
  }
  for (const file of session.written) console.log(file);
}

await main();
