import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { TLS_FIXTURES, probeTls, type TlsOutcome } from './support/tls';

describe('TLS: a certificate that does not verify', () => {
  it('self-signed -> NETWORK naming DEPTH_ZERO_SELF_SIGNED_CERT, not retried', async () => {
    const outcome = await probeTls('self-signed');
    assert.equal(outcome.code, 'NETWORK');
    assert.match(
      outcome.message ?? '',
      /^Could not talk to 127\.0\.0\.1:\d+ securely \(DEPTH_ZERO_SELF_SIGNED_CERT\)$/,
    );
    assert.equal(outcome.connections, 1, 'one attempt');
  });

  describe('with the test CA trusted (a process of its own: NODE_EXTRA_CA_CERTS)', () => {
    let outcomes: Record<string, TlsOutcome>;
    before(async function () {
      this.timeout(60_000);
      const { stdout } = await promisify(execFile)(
        process.execPath,
        [
          '--import',
          'tsx',
          path.join(__dirname, 'support', 'tls.ts'),
          'expired',
          'wrong-host',
          'valid',
        ],
        { env: { ...process.env, NODE_EXTRA_CA_CERTS: path.join(TLS_FIXTURES, 'ca.pem') } },
      );
      outcomes = JSON.parse(stdout) as Record<string, TlsOutcome>;
    });

    it('a valid certificate works: the https path itself is sound', () => {
      assert.deepEqual(outcomes.valid, { userId: 5, connections: 1 });
    });

    for (const [certificate, reason] of [
      ['expired', 'CERT_HAS_EXPIRED'],
      ['wrong-host', 'ERR_TLS_CERT_ALTNAME_INVALID'],
    ]) {
      it(`${certificate} -> NETWORK naming ${reason}, not retried`, () => {
        const outcome = outcomes[certificate];
        assert.equal(outcome.code, 'NETWORK', JSON.stringify(outcome));
        assert.ok(outcome.message?.endsWith(`securely (${reason})`), outcome.message);
        assert.equal(outcome.connections, 1, 'one attempt');
      });
    }
  });
});
