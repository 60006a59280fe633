/**
 * Configuration: the database MONGODB_URI names, and URIs with their
 * credentials redacted for logs.
 */
import { DEFAULT_DATABASE, loadConfig, mongoUriDatabase, redactUri } from '../../../src/config';
import { REQUIRED } from '../../support/config-env';

describe('the database MONGODB_URI names', () => {
  it.each([
    ['mongodb://127.0.0.1:27017/booking', 'booking'],
    ['mongodb://user:p%40ss@h1:27017,h2:27017/appts?replicaSet=rs0&w=majority', 'appts'],
    ['mongodb+srv://cluster.example.net/my%20db?retryWrites=true', 'my db'],
    ['mongodb://127.0.0.1:27017', null],
    ['mongodb://127.0.0.1:27017/', null],
    ['mongodb://h1,h2,h3/?replicaSet=rs0', null],
    ['mongodb://user:secret@127.0.0.1:27017/?authSource=admin', null],
  ])('%s names %s', (uri, name) => {
    expect(mongoUriDatabase(uri)).toBe(name);
  });

  it(`uses "${DEFAULT_DATABASE}" when the URI names no database, and the URI's own otherwise`, () => {
    expect(DEFAULT_DATABASE).toBe('booking');
    expect(loadConfig({ ...REQUIRED, MONGODB_URI: 'mongodb://127.0.0.1:27017' }).mongo.dbName).toBe(
      'booking',
    );
    expect(loadConfig({ ...REQUIRED, MONGODB_URI: 'mongodb://h1,h2/?replicaSet=rs0' }).mongo.dbName).toBe(
      'booking',
    );
    expect(
      loadConfig({ ...REQUIRED, MONGODB_URI: 'mongodb://127.0.0.1:27017/appts' }).mongo.dbName,
    ).toBeNull();
  });
});

describe('redactUri', () => {
  it.each([
    [
      'mongodb://app:s3cret@db1:27017,db2:27017/booking?replicaSet=rs0',
      'mongodb://app:***@db1:27017,db2:27017/booking?replicaSet=rs0',
    ],
    ['redis://:s3cret@cache:6379/0', 'redis://***@cache:6379/0'],
    ['rediss://default:s3cret@cache:6380', 'rediss://default:***@cache:6380'],
    ['mongodb://127.0.0.1:27017/booking', 'mongodb://127.0.0.1:27017/booking'],
  ])('%s -> %s', (uri, redacted) => {
    expect(redactUri(uri)).toBe(redacted);
    expect(redactUri(uri)).not.toContain('s3cret');
  });
});
