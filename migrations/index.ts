import { PlatformCore1763769600000 } from './1763769600000-platform-core.js';

/** Every migration, in order. TypeORM records applied ones in `schema_migrations`. */
export const allMigrations = [PlatformCore1763769600000];
