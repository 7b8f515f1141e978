import type { ExtraRoute } from '../http/server.js';
import { addGitProvidersRoute } from './add-git-providers.js';
import { vaultRoutes } from './vault-routes.js';

/** The compatibility APIs of SPEC §9, mounted by `serve --http`: OpenHands' provider tokens and Qoder's vaults. */
export function compatRoutes(): ExtraRoute[] {
  return [addGitProvidersRoute(), ...vaultRoutes()];
}
