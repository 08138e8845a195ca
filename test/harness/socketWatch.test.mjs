// The socket watch that checks code-server's processes stay on 127.0.0.1 (scripts/socket-watch.mjs):
// it decodes the kernel's socket tables, tells loopback from the rest, and finds a real loopback
// connection of a watched child process. (No test connects anywhere but 127.0.0.1.)
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import net from 'node:net';
import { it } from 'node:test';
import { decodeAddress, isLoopback, parseSocketTable, sampleSockets } from '../../scripts/socket-watch.mjs';

it('decodes /proc/net addresses (IPv4, IPv6, IPv4-mapped) in host byte order', () => {
  assert.deepEqual(decodeAddress('0100007F:1F90'), { ip: '127.0.0.1', port: 8080 });
  assert.deepEqual(decodeAddress('08080808:0035'), { ip: '8.8.8.8', port: 53 });
  assert.deepEqual(decodeAddress('00000000000000000000000001000000:0016'), { ip: '::1', port: 22 });
  assert.deepEqual(decodeAddress('0000000000000000FFFF00000100007F:01BB'), { ip: '::ffff:127.0.0.1', port: 443 });
  assert.deepEqual(decodeAddress('B80D0120000000000000000001000000:01BB'), { ip: '2001:db8::1', port: 443 });
});

it('loopback is 127.0.0.0/8, ::1 and mapped 127.x; private and public ranges are not', () => {
  for (const ip of ['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1']) assert.ok(isLoopback(ip), ip);
  for (const ip of ['10.0.0.1', '192.168.1.1', '8.8.8.8', '::ffff:10.0.0.1', '2001:db8::1']) assert.ok(!isLoopback(ip), ip);
});

it('parses a socket table: inode, local and remote address', () => {
  const text = [
    '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
    '   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 111 1 0000000000000000 100 0 0 10 0',
    '   1: 0100007F:9C40 08080808:01BB 02 00000000:00000000 00:00000000 00000000     0        0 222 1 0000000000000000 100 0 0 10 0',
  ].join('\n');
  const t = parseSocketTable('tcp', text);
  assert.deepEqual(t.get('111'), { proto: 'tcp', local: '127.0.0.1:8080', remote: '0.0.0.0:0', remoteIp: '0.0.0.0' });
  assert.deepEqual(t.get('222'), { proto: 'tcp', local: '127.0.0.1:40000', remote: '8.8.8.8:443', remoteIp: '8.8.8.8' });
});

it('sees a watched child process’s loopback connection, and reports no remote one', async () => {
  const server = net.createServer((s) => s.on('error', () => {}));
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address();
  // a child that connects to the server and stays connected until killed
  const child = spawn(process.execPath, ['-e', `require('node:net').connect(${port}, '127.0.0.1', () => console.log('up')); setInterval(() => {}, 1000)`], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    await new Promise((r) => child.stdout.once('data', r));
    const s = sampleSockets(child.pid);
    assert.ok(s.loopback.some((x) => x.remote === `127.0.0.1:${port}` && x.pid === child.pid), JSON.stringify(s));
    assert.deepEqual(s.remote, []);
  } finally {
    child.kill('SIGKILL');
    server.close();
  }
});
