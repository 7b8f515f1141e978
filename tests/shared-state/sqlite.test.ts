import { tempDir, testEnv } from '../helpers/app.js';
import { sharedStateSuite } from './suite.js';

/** Two instances on one SQLite file (issue 16): see suite.ts. */
const env = testEnv(tempDir());
sharedStateSuite('SQLite', () => env);
