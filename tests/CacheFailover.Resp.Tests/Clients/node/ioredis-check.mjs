// ioredis, as a Node application would use it, against the front door on the port given.
// Prints one JSON object with what each call answered; the C# test asserts on it.
import Redis from "ioredis";

const port = Number(process.argv[2]);
const id = process.argv[3];
const redis = new Redis({ host: "127.0.0.1", port, lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false });
const out = {};
try {
  await redis.connect();
  out.ping = await redis.ping();
  out.set = await redis.set(`node:${id}`, "hello", "EX", 60);
  out.get = await redis.get(`node:${id}`);
  out.hset = await redis.hset(`node:h:${id}`, { a: "1", b: "2" });
  out.hgetall = await redis.hgetall(`node:h:${id}`);
  out.rpush = await redis.rpush(`node:l:${id}`, "x", "y");
  out.lrange = await redis.lrange(`node:l:${id}`, 0, -1);
  out.sadd = await redis.sadd(`node:s:${id}`, "m");
  out.zadd = await redis.zadd(`node:z:${id}`, 1, "one");
  const pipeline = redis.pipeline();
  for (let i = 0; i < 100; i++) pipeline.set(`node:p:${id}:${i}`, String(i));
  for (let i = 0; i < 100; i++) pipeline.get(`node:p:${id}:${i}`);
  const results = await pipeline.exec();
  out.pipelineErrors = results.filter(([err]) => err).length;
  out.pipelineInOrder = results.slice(100).every(([, value], i) => value === String(i));
  out.multi = await redis.multi().set(`node:tx:${id}`, "1").incr(`node:txn:${id}`).exec();
  try {
    await redis.watch(`node:tx:${id}`);
    out.watch = "accepted";
  } catch (err) {
    out.watch = String(err.message ?? err);
  }
  out.afterRefusal = await redis.ping();
} catch (err) {
  out.error = String(err.stack ?? err);
} finally {
  redis.disconnect();
}
console.log(JSON.stringify(out));
