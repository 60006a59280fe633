/**
 * A unary gRPC call as raw HTTP/2 frames, for what Node's http2 client
 * refuses to send (e.g. two authorization headers). HPACK literals without
 * Huffman coding; just enough of HTTP/2 to send one call and see it end.
 */
import { randomBytes } from 'node:crypto';
import * as net from 'node:net';

/** An HPACK integer with an N-bit prefix (RFC 7541 5.1). */
function hpackInt(value: number, prefixBits: number): number[] {
  const max = (1 << prefixBits) - 1;
  if (value < max) return [value];
  const bytes = [max];
  let rest = value - max;
  while (rest >= 128) {
    bytes.push((rest % 128) + 128);
    rest = Math.floor(rest / 128);
  }
  bytes.push(rest);
  return bytes;
}

/** A header as an HPACK "literal without indexing, new name", no Huffman coding. */
function hpackLiteral(name: string, value: string): Buffer {
  const n = Buffer.from(name);
  const v = Buffer.from(value);
  return Buffer.concat([
    Buffer.from([0x00, ...hpackInt(n.length, 7)]),
    n,
    Buffer.from(hpackInt(v.length, 7)),
    v,
  ]);
}

function h2Frame(type: number, flags: number, streamId: number, payload: Buffer): Buffer {
  const header = Buffer.alloc(9);
  header.writeUIntBE(payload.length, 0, 3);
  header.writeUInt8(type, 3);
  header.writeUInt8(flags, 4);
  header.writeUInt32BE(streamId, 5);
  return Buffer.concat([header, payload]);
}

/**
 * Sends one unary gRPC call over a raw HTTP/2 connection with an
 * authorization header per value in `authorizations`, waits for the server
 * to end the stream, and returns the x-request-id the call was sent with
 * (to find its line in the app's log).
 */
export async function rawGrpcCall(
  port: number,
  method: string,
  authorizations: string[],
  message: Uint8Array,
): Promise<string> {
  const requestId = `raw-${randomBytes(8).toString('hex')}`;
  const headers = Buffer.concat([
    hpackLiteral(':method', 'POST'),
    hpackLiteral(':scheme', 'http'),
    hpackLiteral(':path', method),
    hpackLiteral(':authority', `127.0.0.1:${port}`),
    hpackLiteral('content-type', 'application/grpc'),
    hpackLiteral('te', 'trailers'),
    hpackLiteral('x-request-id', requestId),
    ...authorizations.map((a) => hpackLiteral('authorization', a)),
  ]);
  const grpcMessage = Buffer.alloc(5 + message.length);
  grpcMessage.writeUInt32BE(message.length, 1);
  Buffer.from(message).copy(grpcMessage, 5);
  await new Promise<void>((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('the raw HTTP/2 call got no answer in 10 s'));
    }, 10_000);
    let received = Buffer.alloc(0);
    const finish = () => {
      clearTimeout(timer);
      socket.end();
      resolve();
    };
    socket.on('error', reject);
    socket.on('close', finish);
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      while (received.length >= 9) {
        const length = received.readUIntBE(0, 3);
        if (received.length < 9 + length) break;
        const [type, flags, stream] = [received[3]!, received[4]!, received.readUInt32BE(5) & 0x7fffffff];
        received = received.subarray(9 + length);
        if (type === 4 && (flags & 1) === 0) socket.write(h2Frame(4, 1, 0, Buffer.alloc(0))); // SETTINGS ack
        const endOfStream = (type === 1 && (flags & 1) === 1) || type === 3; // trailers or RST_STREAM
        if ((stream === 1 && endOfStream) || type === 7) finish(); // ... or GOAWAY
      }
    });
    socket.write(
      Buffer.concat([
        Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'),
        h2Frame(4, 0, 0, Buffer.alloc(0)),
        h2Frame(1, 0x4, 1, headers), // HEADERS, END_HEADERS
        h2Frame(0, 0x1, 1, grpcMessage), // DATA, END_STREAM
      ]),
    );
  });
  return requestId;
}
