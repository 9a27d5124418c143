/**
 * The PostgreSQL backend: {@link dev.settingsguard.jdbi.postgres.PostgresDatabase} is one schema of
 * a PostgreSQL database that applications on many machines share. pgjdbc and HikariCP are optional
 * dependencies of this library: add them to use it.
 */
package dev.settingsguard.jdbi.postgres;
