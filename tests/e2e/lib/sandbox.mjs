// Whether this machine can build the sandbox's namespaces (docs/security.md): where it
// can, a kiln without its sandbox fails the tests that need it; where it cannot, those
// tests are skipped and the skip says why in the runner's summary.
import { spawnSync } from 'node:child_process';

export function machineCanSandbox() {
  const args = process.getuid() === 0 ? ['--mount', '--pid', '--net', '--fork', 'true'] : ['--user', '--mount', '--pid', '--net', '--fork', 'true'];
  return spawnSync('unshare', args, { stdio: 'ignore' }).status === 0;
}

export const NO_SANDBOX_HERE = 'this machine cannot make namespaces (unshare fails): the sandbox cannot be built here';
