// End-to-end test of `fathom-cli serve` with the official OpenAI client (openai@4, pinned in
// package.json): a live server on a free port with the embedded tiny model, checked the way editor
// plugins and chat front ends use it. Run by ctest (tests/server/CMakeLists.txt):
//   node tests/server/e2e.mjs BUILD/app/fathom-cli
// Exit 0 = all passed, 77 = skipped (node_modules missing: run `npm ci` in tests/server), else failed.
import { spawn, spawnSync } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import assert from 'node:assert/strict';

const cli = process.argv[2];
let OpenAI;
try {
  ({ default: OpenAI } = await import('openai'));
} catch (e) {
  console.log(`SKIP: the openai package is not installed (run tools/setup-server-tests.sh, i.e. npm ci in tests/server): ${e.message}`);
  process.exit(77);
}

function startServer(extra = []) {
  return new Promise((resolve, reject) => {
    const proc = spawn(cli, ['serve', '--port', '0', ...extra], { stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${log}`)), 60000);
    proc.stderr.on('data', (d) => {
      log += d;
      const m = log.match(/on http:\/\/127\.0\.0\.1:(\d+)\/v1/);
      if (m && !proc.port) {
        proc.port = Number(m[1]);
        clearTimeout(timer);
        resolve(proc);
      }
    });
    proc.log = () => log;
    proc.on('exit', (code) => { proc.exitCode_ = code; if (!proc.port) reject(new Error(`server exited ${code}:\n${log}`)); });
  });
}

function stopServer(proc) {
  return new Promise((resolve) => {
    if (proc.exitCode_ !== undefined) return resolve(proc.exitCode_);
    proc.on('exit', (code) => resolve(code));
    proc.kill('SIGTERM');
  });
}

const results = [];
async function test(name, fn) {
  const t0 = Date.now();
  try {
    await fn();
    results.push([name, true]);
    console.log(`PASS ${name} (${Date.now() - t0} ms)`);
  } catch (e) {
    results.push([name, false]);
    console.log(`FAIL ${name}: ${e.stack || e}`);
  }
}

async function streamText(client, kind, body, opts = {}) {
  const stream = kind === 'chat'
    ? await client.chat.completions.create({ ...body, stream: true, stream_options: { include_usage: true } }, opts)
    : await client.completions.create({ ...body, stream: true, stream_options: { include_usage: true } }, opts);
  let text = '', finish = null, usage = null;
  for await (const chunk of stream) {
    if (chunk.usage) usage = chunk.usage;
    for (const c of chunk.choices) {
      text += kind === 'chat' ? (c.delta?.content ?? '') : c.text;
      if (c.finish_reason) finish = c.finish_reason;
    }
  }
  return { text, finish, usage };
}

const server = await startServer();
const base = `http://127.0.0.1:${server.port}/v1`;
const client = new OpenAI({ baseURL: base, apiKey: 'unused', maxRetries: 0, timeout: 120000 });
let model;

const chatBody = () => ({ model, messages: [{ role: 'user', content: 'Write a Python function that adds two numbers.' }],
                          max_tokens: 24, temperature: 0 });
const prompt = 'def fibonacci(n):';
const textBody = () => ({ model, prompt, max_tokens: 24, temperature: 0 });
const fimBody = () => ({ model, prompt: 'def add(a, b):\n', suffix: '\n\nprint(add(1, 2))\n', max_tokens: 24, temperature: 0 });
const lone = {};

await test('modelsListsTheServedModel', async () => {
  const list = await client.models.list();
  assert.equal(list.data.length, 1);
  model = list.data[0].id;
  assert.equal(model, 'fathom-tiny-coder');
});

await test('chatNonStreamAnswersWithUsage', async () => {
  const r = await client.chat.completions.create(chatBody());
  assert.equal(r.object, 'chat.completion');
  assert.equal(r.choices[0].message.role, 'assistant');
  assert.ok(r.choices[0].message.content.length > 0);
  assert.equal(r.choices[0].finish_reason, 'length');
  assert.equal(r.usage.completion_tokens, 24);
  assert.ok(r.usage.prompt_tokens > 5);
  lone.chat = r.choices[0].message.content;
});

await test('chatStreamEqualsNonStreamAtTemperatureZero', async () => {
  const s = await streamText(client, 'chat', chatBody());
  assert.equal(s.text, lone.chat);
  assert.equal(s.finish, 'length');
  assert.equal(s.usage.completion_tokens, 24);
});

await test('completionEqualsFathomCliGenerate', async () => {
  const r = await client.completions.create(textBody());
  lone.text = r.choices[0].text;
  const g = spawnSync(cli, ['generate', '--prompt', prompt, '--max-tokens', '24', '--temperature', '0'], { encoding: 'utf8' });
  assert.equal(g.status, 0, g.stderr);
  assert.equal(lone.text, g.stdout);
  const s = await streamText(client, 'text', textBody());
  assert.equal(s.text, lone.text);
});

await test('completionWithSuffixFillsTheMiddle', async () => {
  const r = await client.completions.create(fimBody());
  lone.fim = r.choices[0].text;
  assert.ok(lone.fim.length > 0, 'empty FIM answer');
  assert.ok(['stop', 'length'].includes(r.choices[0].finish_reason));
  const s = await streamText(client, 'text', fimBody());
  assert.equal(s.text, lone.fim);
});

await test('stopStringEndsTheAnswer', async () => {
  const r = await client.completions.create({ ...textBody(), stop: ['\n'] });
  assert.equal(r.choices[0].finish_reason, lone.text.includes('\n') ? 'stop' : 'length');
  assert.ok(!r.choices[0].text.includes('\n'));
  assert.ok(lone.text.startsWith(r.choices[0].text));
});

await test('eightConcurrentStreamsAndFimGiveTheLoneAnswers', async () => {
  const jobs = [];
  for (let i = 0; i < 8; ++i) jobs.push(streamText(client, 'chat', chatBody()).then((s) => ['chat', s.text]));
  for (let i = 0; i < 4; ++i) jobs.push(client.completions.create(fimBody()).then((r) => ['fim', r.choices[0].text]));
  for (let i = 0; i < 2; ++i) jobs.push(streamText(client, 'text', fimBody()).then((s) => ['fim', s.text]));
  const out = await Promise.all(jobs);
  for (const [kind, text] of out) assert.equal(text, lone[kind], `${kind} answer differs under load`);
});

await test('malformedJsonIs400InOpenAiShape', async () => {
  const res = await fetch(`${base}/chat/completions`, { method: 'POST', body: '{"messages": [', headers: { 'content-type': 'application/json' } });
  assert.equal(res.status, 400);
  const body = await res.json();
  assert.equal(body.error.type, 'invalid_request_error');
  assert.equal(body.error.code, 'invalid_json');
  assert.ok('param' in body.error && 'message' in body.error);
});

await test('badFieldTypeAndUnknownModelAre400ViaTheClient', async () => {
  await assert.rejects(client.chat.completions.create({ ...chatBody(), temperature: 'hot' }),
                       (e) => e.status === 400 && e.param === 'temperature');
  await assert.rejects(client.chat.completions.create({ ...chatBody(), model: 'gpt-4o' }),
                       (e) => e.status === 400 && e.code === 'model_not_found');
  // Unknown fields are ignored.
  const r = await client.chat.completions.create({ ...chatBody(), logit_bias: {}, user: 'x', some_future_field: [1] });
  assert.equal(r.choices[0].message.content, lone.chat);
});

await test('promptLongerThanTheContextIs400', async () => {
  const long = 'word '.repeat(6000);
  await assert.rejects(client.completions.create({ model, prompt: long, max_tokens: 4 }),
                       (e) => e.status === 400 && e.code === 'context_length_exceeded' && /context holds 4096 tokens/.test(e.message));
});

await test('unknownRouteIs404AndWrongMethodIs405', async () => {
  let res = await fetch(`${base}/embeddings`, { method: 'POST', body: '{}' });
  assert.equal(res.status, 404);
  assert.equal((await res.json()).error.type, 'not_found_error');
  res = await fetch(`${base}/chat/completions`);
  assert.equal(res.status, 405);
  assert.ok((await res.json()).error.message.includes('use POST'));
});

await test('noCorsHeadersByDefault', async () => {
  const res = await fetch(`${base}/models`, { headers: { Origin: 'http://evil.example' } });
  assert.equal(res.headers.get('access-control-allow-origin'), null);
});

await test('foreignHostHeaderIs403', async () => {
  const [status, body] = await new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port: server.port, path: '/v1/models', headers: { Host: 'rebind.evil.example:8080' } }, (res) => {
      let b = '';
      res.on('data', (d) => { b += d; });
      res.on('end', () => resolve([res.statusCode, b]));
    }).on('error', reject);
  });
  assert.equal(status, 403);
  assert.equal(JSON.parse(body).error.code, 'invalid_host');
});

await test('clientAbortingMidStreamIsCancelledWhileOthersGoOn', async () => {
  const long = await client.chat.completions.create({ ...chatBody(), max_tokens: 3000, stream: true });
  const other = streamText(client, 'chat', chatBody());
  let chunks = 0;
  try {
    for await (const _ of long) if (++chunks === 3) long.controller.abort();
  } catch (e) {
    // openai@4 ends the loop quietly or raises APIUserAbortError, depending on where the abort lands
  }
  assert.ok(chunks >= 3 && chunks < 100, `the aborted stream went on for ${chunks} chunks`);
  assert.equal((await other).text, lone.chat);
  const t0 = Date.now();
  while (!/cancelled: the client disconnected/.test(server.log()) && Date.now() - t0 < 10000) await new Promise((r) => setTimeout(r, 50));
  assert.match(server.log(), /chatcmpl-\d+ cancelled: the client disconnected/);
  // The engine is free again at once: a new request is answered promptly.
  const r = await client.chat.completions.create(chatBody());
  assert.equal(r.choices[0].message.content, lone.chat);
});

await test('oversizedBodyIs413', async () => {
  const reply = await new Promise((resolve, reject) => {
    const sock = net.connect(server.port, '127.0.0.1');
    let data = '';
    sock.on('data', (d) => { data += d; });
    sock.on('error', () => resolve(data));
    sock.on('close', () => resolve(data));
    // cpp-httplib reads (and drops) a too-large body before it answers, so the whole body is sent.
    sock.write(`POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${9 << 20}\r\n\r\n`);
    sock.write(Buffer.alloc(9 << 20, 0x20));
    setTimeout(() => { sock.destroy(); reject(new Error('no answer to an oversized body')); }, 20000).unref();
  });
  assert.match(reply, /^HTTP\/1\.1 413 /);
  assert.match(reply, /"code":"request_too_large"/);
});

await test('hundredConcurrentConnectionsAreAnswered', async () => {
  const agent = new http.Agent({ keepAlive: false, maxSockets: 100 });
  const one = () => new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port: server.port, path: '/v1/models', agent }, (res) => {
      let body = '';
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve([res.statusCode, body]));
    }).on('error', reject);
  });
  const all = await Promise.all(Array.from({ length: 100 }, one));
  for (const [status, body] of all) {
    assert.equal(status, 200);
    assert.equal(JSON.parse(body).data[0].id, model);
  }
});

await test('sigtermStopsTheServerCleanly', async () => {
  const code = await stopServer(server);
  assert.equal(code, 0, server.log());
  assert.match(server.log(), /fathom-cli serve: stopped/);
});

await test('apiKeyIsRequiredWhenGiven', async () => {
  const keyed = await startServer(['--api-key', 'sekrit']);
  try {
    const url = `http://127.0.0.1:${keyed.port}/v1`;
    const noKey = await fetch(`${url}/models`);
    assert.equal(noKey.status, 401);
    assert.equal((await noKey.json()).error.code, 'invalid_api_key');
    const wrong = new OpenAI({ baseURL: url, apiKey: 'guess', maxRetries: 0 });
    await assert.rejects(wrong.models.list(), (e) => e.status === 401);
    const right = new OpenAI({ baseURL: url, apiKey: 'sekrit', maxRetries: 0 });
    assert.equal((await right.models.list()).data[0].id, 'fathom-tiny-coder');
  } finally {
    await stopServer(keyed);
  }
});

await test('fullQueueIs503', async () => {
  const small = await startServer(['--max-queue', '1']);
  try {
    const url = `http://127.0.0.1:${small.port}/v1`;
    const c = new OpenAI({ baseURL: url, apiKey: 'unused', maxRetries: 0 });
    const long = await c.chat.completions.create({ ...chatBody(), max_tokens: 3000, stream: true });
    const it = long[Symbol.asyncIterator]();
    await it.next();  // the first request is running
    await assert.rejects(c.chat.completions.create(chatBody()), (e) => e.status === 503 && e.code === 'queue_full');
    long.controller.abort();
  } finally {
    await stopServer(small);
  }
});

await test('corsOriginGivesHeadersAndPreflight', async () => {
  const cors = await startServer(['--cors-origin', 'http://localhost:3000']);
  try {
    const res = await fetch(`http://127.0.0.1:${cors.port}/v1/chat/completions`, { method: 'OPTIONS', headers: { Origin: 'http://localhost:3000' } });
    assert.equal(res.status, 204);
    assert.equal(res.headers.get('access-control-allow-origin'), 'http://localhost:3000');
  } finally {
    await stopServer(cors);
  }
});

if (server.exitCode_ === undefined) await stopServer(server);
const failed = results.filter(([, ok]) => !ok).length;
console.log(`${results.length - failed}/${results.length} passed`);
process.exit(failed ? 1 : 0);
