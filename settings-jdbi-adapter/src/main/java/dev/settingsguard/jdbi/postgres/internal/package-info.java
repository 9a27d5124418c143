/** PostgreSQL's schema migration, error translation and owned pool; not API. */
package dev.settingsguard.jdbi.postgres.internal;
