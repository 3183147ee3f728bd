import sinon from 'sinon';
import { helper } from './flow';

type Middleware = (
  req: { headers: Record<string, string | undefined>; user?: { username: string } },
  res: unknown,
  next: () => void,
) => void;
interface NodeApi {
  auth: { needsPermission(permission: string): Middleware };
}

/** The header that lists, comma-separated, the permissions a test request has. */
export const PERMISSIONS_HEADER = 'x-test-permissions';
/** The header that names the editor user a test request is signed in as. */
export const USER_HEADER = 'x-test-user';
export const READ = 'plex-account.read';
export const WRITE = `${READ},plex-account.write`;

/**
 * Node-RED's own permission check, modelled for the next helper.load (the test helper has
 * none): a request gets through with the permissions its x-test-permissions header lists,
 * signed in as the user its x-test-user header names, else Node-RED's bare 401.
 * sinon.restore() removes it.
 */
export function modelPermissions(): sinon.SinonSpy {
  const registry = (
    helper as unknown as { _registryUtil: { createNodeApi(node: unknown): NodeApi } }
  )._registryUtil;
  const needsPermission = sinon.spy((permission: string): Middleware => (req, res, next) => {
    const granted = (req.headers[PERMISSIONS_HEADER] ?? '').split(',');
    const username = req.headers[USER_HEADER];
    if (username) req.user = { username };
    if (granted.includes(permission)) return next();
    (res as { status(code: number): { end(): void } }).status(401).end();
  });
  const original = registry.createNodeApi.bind(registry);
  sinon.stub(registry, 'createNodeApi').callsFake((node: unknown) => {
    const red = original(node);
    red.auth = { needsPermission };
    return red;
  });
  return needsPermission;
}
