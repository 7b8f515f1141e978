import { testEnv, tempDir } from '../helpers/app.js';
import { freshDatabase } from '../helpers/postgres.js';
import { sharedStateSuite } from './suite.js';

/** Two instances on one PostgreSQL database (issue 16): see suite.ts. */
const url = await freshDatabase();
const env = { ...testEnv(tempDir()), TOOLWIRE_DB: url };
sharedStateSuite('PostgreSQL', () => env);
