/** OAuth 2 to upstream APIs (SPEC §11): the client-credentials token, each client's grant, the sign-in flow. */
export { createGrantManager, GrantNeededError, type GrantLease, type GrantManager, type GrantManagerOptions } from './grants.js';
export { createConnectFlow, type ConnectedGrant, type ConnectFlow, type ConnectFlowOptions } from './connect-flow.js';
export { fetchClientCredentialsToken } from './client-credentials.js';
