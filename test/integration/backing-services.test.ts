/**
 * Proves the provisioning in test/support/global-setup.ts: the MongoDB-wire
 * server enforces unique indexes and Redis answers, at the URIs handed over.
 */
import { randomUUID } from 'node:crypto';
import mongoose from 'mongoose';
import { Redis } from 'ioredis';

const runId = `${Date.now().toString(36)}_${randomUUID().slice(0, 8)}`;

function requiredEnv(name: 'MONGODB_URI' | 'REDIS_URL'): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: the integration globalSetup did not run`);
  return value;
}

describe('backing services', () => {
  it('MongoDB-wire server enforces a unique index (duplicate key error 11000)', async () => {
    const client = new mongoose.mongo.MongoClient(requiredEnv('MONGODB_URI'), {
      serverSelectionTimeoutMS: 10_000,
    });
    const db = client.db(`smoke_${runId}`);
    try {
      const users = db.collection<{ email: string }>('users');
      await users.createIndex({ email: 1 }, { unique: true });
      await users.insertOne({ email: 'a@example.com' });
      await expect(users.insertOne({ email: 'a@example.com' })).rejects.toMatchObject({
        code: 11000,
      });
      expect(await users.countDocuments({ email: 'a@example.com' })).toBe(1);
    } finally {
      await db.dropDatabase().catch(() => undefined);
      await client.close();
    }
  });

  it('Redis answers SET/GET', async () => {
    const redis = new Redis(requiredEnv('REDIS_URL'), { lazyConnect: true, maxRetriesPerRequest: 2 });
    const key = `smoke:${runId}`;
    try {
      await redis.connect();
      expect(await redis.set(key, 'hello', 'EX', 60)).toBe('OK');
      expect(await redis.get(key)).toBe('hello');
    } finally {
      await redis.del(key).catch(() => undefined);
      redis.disconnect();
    }
  });
});
